import { randomUUID } from 'node:crypto';
import { JobQueue } from '../../src/sync/jobs/job-queue';
import { PUSH_RECONCILE } from '../../src/sync/jobs/queues';
import { createTestDatabaseUrl } from '../support/test-database';

// A stop while a handler outlives pg-boss's stop timeout: the queue's connections close only after the
// handler (and pg-boss's completion of its job) is done, so nothing uses a closed pool afterwards and nothing
// is left open. This file opens nothing else, so every TCP handle below is the queue's.
const tcp = () => process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP'));

describe('job queue stop', () => {
  it('waits for a handler that outlives the stop timeout, then closes every connection', async () => {
    const queue = new JobQueue({ url: await createTestDatabaseUrl(), work: true, stopTimeoutMs: 1_000 });
    let running!: () => void;
    const started = new Promise<void>((resolve) => (running = resolve));
    let finished = false;
    queue.handle(PUSH_RECONCILE, async (_data, { signal }) => {
      running();
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      // A slow step that does not look at the signal (a provider call in flight), past the stop timeout
      // (pg-boss's shortest: 1 s).
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      finished = true;
    });
    await queue.start();
    await queue.enqueue(PUSH_RECONCILE, { connectionId: randomUUID() }, { key: 'stop-test' });
    await started;

    await queue.stop();
    expect(finished).toBe(true);
    expect(tcp()).toEqual([]);
  });
});
