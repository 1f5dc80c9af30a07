import { randomUUID } from 'node:crypto';
import { namedWaitMs } from '../throttle/provider-failure';
import { JobQueue } from './job-queue';
import { ConnectionLeaseRepository } from './connection-lease.repository';
import { QueueDef } from './queues';

// Longer than the slowest job of a connection (a few provider calls with the drivers' bounded retries).
const LEASE_SECONDS = 300;
const RETRY_BUSY_SECONDS = 1;

/**
 * Runs a connection's job under the connection's lease. When another worker holds it, the job is put back
 * for a moment later (no worker waits holding a slot); a disconnected connection's job does nothing. A job the
 * provider throttled is put back until its Retry-After.
 */
export async function exclusiveForConnection<T>(
  deps: { leases: ConnectionLeaseRepository; jobs: JobQueue },
  job: { def: QueueDef<T>; data: T; key: string; connectionId: string },
  run: () => Promise<void>,
): Promise<void> {
  const holder = randomUUID();
  if (!(await deps.leases.claim(job.connectionId, holder, LEASE_SECONDS))) {
    if (await deps.leases.exists(job.connectionId)) await deps.jobs.enqueue(job.def, job.data, { key: `${job.key}:busy`, delaySeconds: RETRY_BUSY_SECONDS });
    return;
  }
  try {
    await run();
  } catch (err) {
    // The provider named a wait (Retry-After, the mailbox throttled): the job starts again then, not at pg-boss's
    // fixed retry delay, which would use up its retries well before a long Retry-After.
    const waitMs = namedWaitMs(err);
    if (waitMs === null) throw err;
    await deps.jobs.enqueue(job.def, job.data, { key: `${job.key}:throttled`, delaySeconds: waitMs / 1000 });
  } finally {
    await deps.leases.release(job.connectionId, holder);
  }
}
