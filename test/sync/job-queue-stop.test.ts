import { createHook } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { JobQueue } from '../../src/sync/jobs/job-queue';
import { PUSH_RECONCILE } from '../../src/sync/jobs/queues';
import { eventually } from '../support/eventually';
import { createTestDatabaseUrl } from '../support/test-database';

// A stop while a handler outlives pg-boss's stop timeout: the queue's connections close only after the
// handler (and pg-boss's completion of its job) is done, so nothing uses a closed pool afterwards and nothing
// is left open. This file opens nothing else, so every TCP handle below is the queue's.
const tcp = () => process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP'));

/** The timers of the queue's code or pg-boss's that `run` started and left pending and ref'd (keeping a process alive). */
async function queueTimersLeftBy(run: () => Promise<void>): Promise<string[]> {
  const live = new Map<number, { timer: WeakRef<NodeJS.Timeout>; stack: string }>();
  const hook = createHook({
    init(id, type, _trigger, resource) {
      const stack = type === 'Timeout' ? (new Error().stack ?? '') : '';
      if (/node_modules\/pg-boss\/|src\/sync\/jobs\//.test(stack)) live.set(id, { timer: new WeakRef(resource as NodeJS.Timeout), stack });
    },
    destroy: (id) => void live.delete(id),
  }).enable();
  try {
    await run();
  } finally {
    hook.disable();
  }
  return [...live.values()].filter(({ timer }) => timer.deref()?.hasRef()).map(({ stack }) => stack);
}

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

  it('a job fetched just as the stop begins is not started here: it goes back to the queue as it was, another worker runs it, and no timer outlives the stop', async () => {
    const url = await createTestDatabaseUrl();
    const admin = new Client({ connectionString: url });
    const holder = new Client({ connectionString: url });
    await Promise.all([admin.connect(), holder.connect()]);
    try {
      // pg-boss's fetch (the update that makes a job active) waits for a lock the test holds: the fetch is in flight
      // when the stop begins, and returns its job afterwards.
      await admin.query(`
        CREATE FUNCTION hold_fetch() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.state = 'active' AND OLD.state <> 'active' THEN PERFORM pg_advisory_xact_lock(4242); END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER hold_fetch BEFORE UPDATE ON pgboss.job FOR EACH ROW EXECUTE FUNCTION hold_fetch();`);
      await holder.query(`SELECT pg_advisory_lock(4242)`);

      const queue = new JobQueue({ url, work: true, stopTimeoutMs: 1_000 });
      const ran: string[] = [];
      queue.handle(PUSH_RECONCILE, async () => void ran.push('first'));
      await queue.start();
      const key = `stop-race-${randomUUID()}`;
      await queue.enqueue(PUSH_RECONCILE, { connectionId: randomUUID() }, { key });
      await eventually(
        () => admin.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'`),
        (r) => r.rowCount === 1,
      );
      const timersLeft = await queueTimersLeftBy(async () => {
        const stopped = queue.stop();
        await holder.query(`SELECT pg_advisory_unlock(4242)`);
        await stopped;
      });
      // pg-boss re-checks a worker that was still fetching when its stop began on a 1 s timer of its own: stopped at
      // a quiet moment, none is, and nothing is left to keep the process (a jest worker) alive.
      expect(timersLeft).toEqual([]);

      expect(ran).toEqual([]);
      const job = async () => (await admin.query(`SELECT state, retry_count FROM pgboss.job WHERE singleton_key = $1`, [key])).rows;
      const [left] = await job();
      // Due again at once, without a retry used up.
      expect(['created', 'retry']).toContain(left.state);
      expect(left.retry_count).toBe(0);

      await admin.query(`DROP TRIGGER hold_fetch ON pgboss.job`);
      const next = new JobQueue({ url, work: true, stopTimeoutMs: 1_000 });
      next.handle(PUSH_RECONCILE, async () => void ran.push('second'));
      await next.start();
      try {
        await eventually(job, (rows) => rows[0]?.state === 'completed');
      } finally {
        await next.stop();
      }
      expect(ran).toEqual(['second']);
    } finally {
      await Promise.all([admin.end(), holder.end()]);
    }
  });
});
