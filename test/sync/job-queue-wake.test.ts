import { JobQueue } from '../../src/sync/jobs/job-queue';
import { CALENDAR_SYNC, CalendarSyncRequest } from '../../src/sync/jobs/queues';
import { createTestDatabaseUrl } from '../support/test-database';

// Only a queue's first worker polls; its siblings poll every 10 s and are woken instead. A burst must still bring
// up every worker of the queue at once, whether this process or another one (an api-only instance) enqueued it:
// each test below waits for all four calendar-sync workers to hold a job at the same time, which, without the
// wake-ups, would take the siblings' 10-s poll (past these tests' 8-s timeout).

describe('job queue wake-ups', () => {
  const queues: JobQueue[] = [];
  const releases: Array<() => void> = [];
  afterEach(async () => {
    // A test that failed left its handlers holding their jobs.
    for (const release of releases.splice(0)) release();
    await Promise.all(queues.splice(0).map((q) => q.stop()));
  });

  /** A worker process whose calendar-sync handlers hold their job until `release()`; `allRunning` once all four hold one. */
  async function blockingWorker(url: string) {
    const queue = new JobQueue({ url, work: true, stopTimeoutMs: 1_000 });
    queues.push(queue);
    let running = 0;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    releases.push(release);
    let allRunning!: () => void;
    const all = new Promise<void>((resolve) => (allRunning = resolve));
    queue.handle(CALENDAR_SYNC, async () => {
      if (++running === CALENDAR_SYNC.concurrency) allRunning();
      await released;
    });
    await queue.start();
    return { queue, all, release };
  }

  const job = (i: number): CalendarSyncRequest => ({ calendarId: `00000000-0000-4000-8000-00000000000${i}` });

  test('a burst enqueued here runs on every worker of the queue at once', async () => {
    const w = await blockingWorker(await createTestDatabaseUrl());
    for (let i = 0; i < CALENDAR_SYNC.concurrency; i++) await w.queue.enqueue(CALENDAR_SYNC, job(i), { key: `burst-${i}` });
    await w.all;
    w.release();
  }, 8_000);

  test('a burst enqueued by another process is found by the polling worker, which wakes the others', async () => {
    const url = await createTestDatabaseUrl();
    const w = await blockingWorker(url);
    const api = new JobQueue({ url, work: false });
    queues.push(api);
    await api.start();
    for (let i = 0; i < CALENDAR_SYNC.concurrency; i++) await api.enqueue(CALENDAR_SYNC, job(i), { key: `remote-${i}` });
    await w.all;
    w.release();
  }, 8_000);
});
