import { Pool } from 'pg';
import PgBoss from 'pg-boss';
import { endPool } from '../../app/database/data-source';
import { logger } from '../../app/logging/logger';
import { ALL_QUEUES, QueueDef } from './queues';

/** pg-boss's tables live in this schema of the service's own database. */
export const JOB_SCHEMA = 'pgboss';

export interface JobQueueOptions {
  url: string;
  /** Runs the handlers (PROCESS_ROLE worker or all); an api-only process only enqueues. */
  work: boolean;
  /** How often an idle worker looks for jobs enqueued by another process (pg-boss's minimum is 0.5). */
  pollingIntervalSeconds?: number;
  poolSize?: number;
  /** How long a stop lets running handlers finish before pg-boss fails their jobs (default 2000). */
  stopTimeoutMs?: number;
}

export interface JobContext {
  jobId: string;
  /** Aborted when the process stops: long handlers give up between steps (pg-boss retries the job elsewhere). */
  signal: AbortSignal;
}

export type JobHandler<T> = (data: T, ctx: JobContext) => Promise<void>;

export interface EnqueueOptions {
  /** Coalescing key: while a job with this key waits to start, another one is not added. */
  key: string;
  /** Start no sooner than this many seconds from now. */
  delaySeconds?: number;
}

const IDLE_POLL_MS = 20;
const STOP_GRACE_MS = 5_000;
// A job put back for a moment (its calendar or connection was busy) still counts as pending work.
const SOON_SECONDS = 5;
// Workers' own polling, a fallback: they are woken when there is work (wakeOne).
const FALLBACK_POLL_FACTOR = 20;
const FALLBACK_POLL_MIN_SECONDS = 10;

/** Creates pg-boss's schema and our queues (idempotent); the test template database runs it once for every test database. */
export async function installJobQueues(url: string): Promise<void> {
  const pool = jobPool(url, 1, 'calbridge-jobs-install');
  const boss = new PgBoss({ db: poolDb(pool), schema: JOB_SCHEMA, supervise: false, schedule: false, migrate: true });
  boss.on('error', (err) => logger.error({ err }, 'job queue error'));
  try {
    await boss.start();
    for (const q of ALL_QUEUES) await createQueue(boss, q);
  } finally {
    await boss.stop({ graceful: false, close: false });
    await endPool(pool);
  }
}

// pg-boss runs on a pool of ours, so that stopping waits until its connections have really closed (pg-boss's
// own close resolves while the sockets are still open, which kept processes and jest workers alive).
function jobPool(url: string, max: number, applicationName: string): Pool {
  const pool = new Pool({ connectionString: url, max, application_name: applicationName });
  pool.on('error', (err) => logger.error({ err }, 'job queue connection error'));
  return pool;
}

/** The statements under way; `onSettled` is told each time one ends (a stop waits for a quiet moment). */
interface InFlight {
  n: number;
  onSettled?: () => void;
}

// Once the pool is ending, what pg-boss still sends (a handler that outlived the stop completing its job) is
// dropped with no result, as pg-boss's own pool wrapper does once closed: the job was failed and is retried.
// `inFlight` counts the statements under way (a stop waits for a worker's fetch that is still out).
const poolDb = (pool: Pool, inFlight: InFlight = { n: 0 }): PgBoss.Db => ({
  executeSql: async (text, values) => {
    if (pool.ending) return undefined as unknown as { rows: [] };
    inFlight.n++;
    try {
      return await pool.query(text, values);
    } finally {
      inFlight.n--;
      inFlight.onSettled?.();
    }
  },
});

function createQueue(boss: PgBoss, q: QueueDef<unknown>): Promise<void> {
  return boss.createQueue(q.name, { name: q.name, policy: 'short', retryLimit: q.retryLimit, retryDelay: q.retryDelaySeconds, expireInSeconds: q.expireInSeconds });
}

/**
 * Typed queues on pg-boss, started and stopped with the app. Handlers are registered before `start`;
 * a process that does not work only enqueues. `whenIdle` lets tests wait for the work they caused.
 */
export class JobQueue {
  private readonly boss: PgBoss;
  private readonly pool: Pool;
  private readonly handlers: Array<{ def: QueueDef<unknown>; handler: JobHandler<unknown> }> = [];
  private readonly recurring: Array<{ def: QueueDef<Record<string, never>>; seconds: number }> = [];
  private readonly timers: NodeJS.Timeout[] = [];
  /** Per queue, the workers running no job (in the order they were last woken). */
  private readonly idleWorkers = new Map<string, Set<string>>();
  private readonly stopping = new AbortController();
  private readonly sql: InFlight = { n: 0 };
  private running = 0;
  private started = false;

  private get pollSeconds(): number {
    return this.opts.pollingIntervalSeconds ?? 0.5;
  }

  /** pg-boss's own polling of each worker: only a fallback, the wake-ups above do the work. */
  private get fallbackPollSeconds(): number {
    return Math.max(this.pollSeconds * FALLBACK_POLL_FACTOR, FALLBACK_POLL_MIN_SECONDS);
  }

  constructor(private readonly opts: JobQueueOptions) {
    this.pool = jobPool(opts.url, opts.poolSize ?? 4, 'calbridge-jobs');
    this.boss = new PgBoss({
      db: poolDb(this.pool, this.sql),
      schema: JOB_SCHEMA,
      migrate: true,
      // Expiry of jobs a killed worker held runs with the workers; cron is not used.
      supervise: opts.work,
      schedule: false,
      maintenanceIntervalSeconds: 30,
      pollingIntervalSeconds: this.pollSeconds,
    });
    this.boss.on('error', (err) => logger.error({ err }, 'job queue error'));
  }

  handle<T>(def: QueueDef<T>, handler: JobHandler<T>): void {
    if (this.started) throw new Error(`handler for ${def.name} registered after start`);
    this.handlers.push({ def: def as QueueDef<unknown>, handler: handler as JobHandler<unknown> });
  }

  /**
   * A job that runs about every `seconds`, on one worker at a time across every instance: each run schedules the
   * next (one key, so the instances' schedules coalesce), and every worker process re-creates the schedule should
   * it ever be lost (a run that failed for good). Runs once soon after start.
   */
  every(def: QueueDef<Record<string, never>>, seconds: number, handler: JobHandler<Record<string, never>>): void {
    const next = () => this.enqueue(def, {}, { key: def.name, delaySeconds: seconds });
    this.handle(def, async (data, ctx) => {
      try {
        await handler(data, ctx);
      } finally {
        await next();
      }
    });
    this.recurring.push({ def, seconds });
  }

  async start(): Promise<void> {
    await this.boss.start();
    for (const q of ALL_QUEUES) await createQueue(this.boss, q);
    this.started = true;
    if (!this.opts.work) return;
    for (const { def, handler } of this.handlers) {
      const idle = new Set<string>();
      for (let i = 0; i < def.concurrency; i++) {
        let self = '';
        // Workers poll on their own only rarely; they are woken instead (see wakeOne): every interval one idle
        // worker of each queue (jobs other processes enqueued, jobs whose start time came), at once on an enqueue
        // here, and by a sibling that just found a job (there may be more).
        self = await this.boss.work<unknown>(def.name, { batchSize: 1, pollingIntervalSeconds: this.fallbackPollSeconds }, async ([job]) => {
          // Fetched by a fetch that was under way when the stop began: not started here, handed back for another worker.
          if (this.stopping.signal.aborted) return this.release(def, job.id);
          this.running++;
          idle.delete(self);
          this.wakeOne(def.name);
          try {
            await handler(job.data, { jobId: job.id, signal: this.stopping.signal });
          } catch (err) {
            logger.error({ err, queue: def.name, jobId: job.id }, 'job failed; pg-boss retries it');
            throw err;
          } finally {
            this.running--;
            this.sql.onSettled?.();
            if (self) idle.add(self);
            // Look for the next job at once instead of after the polling interval.
            if (self) this.boss.notifyWorker(self);
          }
        });
        idle.add(self);
      }
      this.idleWorkers.set(def.name, idle);
    }
    // The queues' polling: one fetch per queue per interval, by an idle worker (none idle: the busy ones fetch
    // again as their jobs end).
    const poll = setInterval(() => {
      for (const name of this.idleWorkers.keys()) this.wakeOne(name);
    }, this.pollSeconds * 1000);
    poll.unref();
    this.timers.push(poll);
    for (const { def, seconds } of this.recurring) {
      await this.enqueue(def, {}, { key: def.name });
      const keepAlive = setInterval(() => {
        this.enqueue(def, {}, { key: def.name, delaySeconds: seconds }).catch((err) => logger.warn({ err, queue: def.name }, 'could not schedule a recurring job'));
      }, seconds * 1000);
      keepAlive.unref();
      this.timers.push(keepAlive);
    }
  }

  /** Adds a job unless one with the same key already waits to start; true when added. Local workers wake at once. */
  async enqueue<T>(def: QueueDef<T>, data: T, opts: EnqueueOptions): Promise<boolean> {
    const id = await this.boss.send(def.name, data as object, {
      singletonKey: opts.key,
      // To the millisecond: a job deferred until a provider's Retry-After starts no sooner, and not much later.
      ...(opts.delaySeconds && opts.delaySeconds > 0 ? { startAfter: new Date(Date.now() + opts.delaySeconds * 1000) } : {}),
    });
    if (!opts.delaySeconds) this.wakeOne(def.name);
    return id !== null;
  }

  /**
   * Wakes one worker of the queue that runs no job (a busy one looks again when its job ends). The one woken may
   * already be fetching: it then fetches once more at once (pg-boss's notify), and every job a fetch finds wakes
   * another, so a burst brings up as many workers as it needs.
   */
  private wakeOne(queue: string): void {
    const idle = this.idleWorkers.get(queue);
    if (!idle?.size) return;
    // The least recently woken first: a worker woken again before it fetched would take one job where two could run.
    const [id] = idle;
    idle.delete(id);
    idle.add(id);
    this.boss.notifyWorker(id);
  }

  /**
   * Jobs running or due within seconds, over every process on this database (those deferred longer, by a backoff,
   * are not counted, nor the background tick: the syncs it enqueues are).
   */
  async pending(): Promise<Array<{ name: string; state: string; key: string | null }>> {
    const db = this.boss.getDb();
    const { rows } = await db.executeSql(
      `SELECT name, state, singleton_key AS key FROM ${JOB_SCHEMA}.job
        WHERE name = ANY($1::text[]) AND (state = 'active' OR (state IN ('created', 'retry') AND start_after <= now() + make_interval(secs => $2)))`,
      [ALL_QUEUES.filter((q) => !q.background).map((q) => q.name), SOON_SECONDS],
    );
    return rows as Array<{ name: string; state: string; key: string | null }>;
  }

  /** Jobs waiting to start (due or deferred), by queue, over every process on this database (GET /metrics). */
  async depth(): Promise<Record<string, number>> {
    const { rows } = await this.boss.getDb().executeSql(
      `SELECT name, count(*)::int AS n FROM ${JOB_SCHEMA}.job WHERE name = ANY($1::text[]) AND state IN ('created', 'retry') GROUP BY name`,
      [ALL_QUEUES.map((q) => q.name)],
    );
    const depth: Record<string, number> = Object.fromEntries(ALL_QUEUES.map((q) => [q.name, 0]));
    for (const r of rows as Array<{ name: string; n: number }>) depth[r.name] = r.n;
    return depth;
  }

  /**
   * Resolves once no job is due or running (tests wait for the work a request caused; the chain a job
   * enqueues is waited for too). Jobs deferred further (backoff) do not count.
   */
  async whenIdle(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.running === 0) {
        const left = await this.pending();
        if (!left.length) return;
        if (Date.now() > deadline) throw new Error(`jobs still pending after ${timeoutMs} ms: ${JSON.stringify(left)}`);
      } else if (Date.now() > deadline) {
        throw new Error(`${this.running} job(s) still running after ${timeoutMs} ms`);
      }
      await new Promise((r) => setTimeout(r, IDLE_POLL_MS));
    }
  }

  /**
   * Resolves at a moment nothing is under way (no handler running, no statement out), or after `ms`. Looked at
   * once what a statement's end caused has run (a fetch that returned a job hands it back, with a statement of its
   * own) and before any timer fires (a worker polling again), so the caller continues while every worker waits.
   */
  private quiet(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sql.onSettled = undefined;
        resolve();
      };
      const check = () => setImmediate(() => this.running === 0 && this.sql.n === 0 && done());
      const timer = setTimeout(done, ms);
      this.sql.onSettled = check;
      check();
    });
  }

  /**
   * A job this process fetched but will not run: due again at once, its retries untouched (pg-boss's completion of it
   * then finds it no longer active). 'retry' rather than 'created', which another waiting job of its key may hold.
   */
  private async release(def: QueueDef<unknown>, jobId: string): Promise<void> {
    await this.boss.getDb().executeSql(`UPDATE ${JOB_SCHEMA}.job SET state = 'retry', started_on = NULL WHERE name = $1 AND id = $2 AND state = 'active'`, [def.name, jobId]);
  }

  /**
   * Stops fetching, lets running handlers see the abort, fails what is still running after the timeout (pg-boss
   * retries it elsewhere). A job that a fetch still under way returns is handed back, not run.
   */
  async stop(): Promise<void> {
    for (const t of this.timers.splice(0)) clearInterval(t);
    this.stopping.abort();
    const timeoutMs = this.opts.stopTimeoutMs ?? 2_000;
    const failAt = Date.now() + timeoutMs;
    // pg-boss stops its workers at once, but one still fetching or running a job is re-checked every second on a
    // timer of its own that outlives the stop (it kept jest workers from exiting). So its stop is called at the
    // first moment no handler runs and no statement is out: every worker is then between polls and stops at once.
    await this.quiet(timeoutMs);
    await this.boss.stop({ graceful: true, wait: true, close: false, timeout: Math.max(0, failAt - Date.now()) });
    // Handlers that outlived that timeout: a little longer for them to see the abort, so that pg-boss's
    // completion of their job is sent before the pool ends; and fetches still out, so that a job one returns is
    // handed back rather than left active until it expires.
    const deadline = Date.now() + STOP_GRACE_MS;
    while ((this.running > 0 || this.sql.n > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, IDLE_POLL_MS));
    await new Promise((r) => setImmediate(r));
    await endPool(this.pool);
  }
}
