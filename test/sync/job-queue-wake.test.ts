import { JobQueue } from '../../src/sync/jobs/job-queue';
import { CALENDAR_SYNC, CalendarSyncRequest } from '../../src/sync/jobs/queues';
import { createTestDatabaseUrl } from '../support/test-database';

// Workers poll on their own only every 10 s; one idle worker per queue is woken every 0.5 s, and others on demand.
// A burst must still bring up every worker of the queue at once, whether this process or another one (an api-only
// instance) enqueued it, and a job due later must be found while the queue's other workers are busy: each test
// waits for work that, without the wake-ups, would wait for a 10-s poll (past these tests' 8-s timeout).

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

  test("a burst enqueued by another process is found by the queue's poll, and the worker that finds a job wakes the others", async () => {
    const url = await createTestDatabaseUrl();
    const w = await blockingWorker(url);
    const api = new JobQueue({ url, work: false });
    queues.push(api);
    await api.start();
    for (let i = 0; i < CALENDAR_SYNC.concurrency; i++) await api.enqueue(CALENDAR_SYNC, job(i), { key: `remote-${i}` });
    await w.all;
    w.release();
  }, 8_000);

  test('a job due later is run when due while the queue\'s other workers are busy', async () => {
    const queue = new JobQueue({ url: await createTestDatabaseUrl(), work: true, stopTimeoutMs: 1_000 });
    queues.push(queue);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    releases.push(release);
    const BUSY = CALENDAR_SYNC.concurrency - 1;
    let running = 0;
    let busy!: () => void;
    const othersBusy = new Promise<void>((resolve) => (busy = resolve));
    let ran!: () => void;
    const laterRan = new Promise<void>((resolve) => (ran = resolve));
    queue.handle(CALENDAR_SYNC, async (data) => {
      if (data.calendarId === job(0).calendarId) return ran();
      if (++running === BUSY) busy();
      await released;
    });
    await queue.start();
    for (let i = 1; i <= BUSY; i++) await queue.enqueue(CALENDAR_SYNC, job(i), { key: `busy-${i}` });
    await othersBusy;
    await queue.enqueue(CALENDAR_SYNC, job(0), { key: 'later', delaySeconds: 1 });
    await laterRan;
    release();
  }, 8_000);
});
