import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { logger } from '../../app/logging/logger';
import { Connection } from '../../connections/connection.entity';
import { JobContext, JobQueue } from '../jobs/job-queue';
import { OUTBOX_WRITE } from '../jobs/queues';
import { mailboxKey, MailboxPermit, MailboxSemaphore } from '../throttle/mailbox-semaphore';
import type { MailboxThrottle } from '../throttle/mailbox-throttle';
import { ClaimedWrite } from './outbox.repository';
import { OutboxWriter, WriteCalls } from './outbox-writer';

export interface OutboxRunnerOptions {
  /**
   * How often due writes are looked for: retries whose backoff ended, held writes looked at again, writes whose
   * job was lost (a crash between commit and enqueue, a worker killed holding one).
   */
  sweepMs: number;
  /** False: this process only queues writes (PROCESS_ROLE api); the workers write them. */
  work: boolean;
  /** Writes of one connection a job runs at once: the mailbox's request slots (SYNC_MAILBOX_CONCURRENCY). */
  lanes: number;
  /** Writes a job leases at a time, per lane. */
  claimPerLane: number;
  /** A job stops taking more writes after this long and leaves the rest to a follow-up job (others get their turn). */
  drainMs: number;
  /** A lane gives its mailbox slot back after this long, so that the mailbox's other work (its sync) gets a turn. */
  slotHoldMs: number;
}

export const defaultOutboxRunnerOptions: OutboxRunnerOptions = { sweepMs: 2_000, work: true, lanes: 4, claimPerLane: 4, drainMs: 30_000, slotHoldMs: 3_000 };

/** The per-mailbox request slots, and the mailbox-wide Retry-After the calls honour. */
export interface OutboxSlots {
  semaphore: MailboxSemaphore;
  throttle?: MailboxThrottle;
}

/**
 * The calls of a lane that holds a slot of the mailbox: straight out, unless the mailbox is throttled (a Retry-After
 * asked of it, as the lane's full check when it took the slot found, or as any call of this process saw since).
 */
function inSlot(mailbox: string, throttle: MailboxThrottle | undefined): WriteCalls {
  return {
    run: async (ctx, call) => {
      if (!throttle) return call();
      throttle.checkKnown(mailbox, ctx.connection.provider);
      try {
        return await call();
      } catch (err) {
        await throttle.failed(mailbox, err);
        throw err;
      }
    },
  };
}

// Like the job queue's: a write retried within seconds still counts as pending work.
const SOON_SECONDS = 5;
// The key of the job for writes whose calendar is gone (they fail without a provider call).
const NO_CONNECTION = 'no-connection';

/**
 * The outbox as jobs: one job per connection with writes to do ("drain this connection's due writes"), enqueued
 * right after the commit that queued them (booking, reschedule, cancel, a reconnect releasing held writes). The
 * job leases a batch of the connection's due writes in one statement and runs them in `lanes` at once, each
 * provider call holding one of the mailbox's request slots, then takes the next batch, until none is due. In
 * worker processes a sweep enqueues whatever else is due: retries once their backoff (or Retry-After) is over, and
 * writes whose job was lost. The job only says "look at this connection": the rows, their leases and versions are
 * the truth, so duplicate or stale jobs are harmless.
 */
export class OutboxRunner {
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;
  private readonly opts: OutboxRunnerOptions;

  constructor(
    private readonly ds: DataSource,
    private readonly writer: OutboxWriter,
    private readonly jobs: JobQueue,
    options: Partial<OutboxRunnerOptions> = {},
    /** The per-mailbox request slots: a lane holds one while it writes (without: each call takes its own). */
    private readonly slots?: OutboxSlots,
  ) {
    this.opts = { ...defaultOutboxRunnerOptions, ...options };
    if (this.opts.work) jobs.handle(OUTBOX_WRITE, (data, ctx) => this.drain(data.connectionId ?? null, ctx));
  }

  /** Starts the sweep (worker processes; call once the job queue runs). */
  start(): void {
    if (!this.opts.work || this.timer) return;
    this.timer = setInterval(() => void this.sweep(), this.opts.sweepMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.sweeping;
  }

  /** The appointment's pending writes go out now (called after the commit that queued them). */
  async appointmentChanged(appointmentId: string): Promise<void> {
    await this.enqueue(await this.writer.repo.pendingConnections(appointmentId));
  }

  /** A connection can write again (reconnected, resumed): its held writes go out now. */
  async connectionActive(connectionId: string): Promise<void> {
    if ((await this.writer.repo.releaseHeld(connectionId)) > 0) await this.enqueue([connectionId]);
  }

  /**
   * Resolves once no job runs or is due within seconds and no write is leased or due within seconds, in any
   * process (tests wait for the work they caused; writes deferred longer, by Retry-After or a hold, do not count).
   */
  async whenIdle(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.jobs.whenIdle(Math.max(1, deadline - Date.now()));
      if (!(await this.writer.repo.busyWithin(SOON_SECONDS))) return;
      if (Date.now() > deadline) throw new Error(`outbox writes still pending after ${timeoutMs} ms`);
      await this.sweep();
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private async enqueue(connectionIds: ReadonlyArray<string | null>): Promise<void> {
    for (const connectionId of connectionIds) await this.jobs.enqueue(OUTBOX_WRITE, { connectionId }, { key: connectionId ?? NO_CONNECTION });
  }

  /**
   * One job: the connection's due writes, `lanes` at a time, each lane holding one of the mailbox's request slots
   * while it writes. A write that ends deferred (retry, hold), failed or lost to another worker is not taken again
   * by this job: the sweep brings it back when due.
   */
  private async drain(connectionId: string | null, ctx: JobContext): Promise<void> {
    const owner = randomUUID();
    const { lanes, claimPerLane, drainMs, slotHoldMs } = this.opts;
    const until = Date.now() + drainMs;
    const tried: string[] = [];
    const claimed: ClaimedWrite[] = [];
    let conn: Connection | null = null;
    let exhausted = false;
    let refilling: Promise<void> | null = null;
    const refill = () =>
      (refilling ??= (async () => {
        try {
          if (ctx.signal.aborted || Date.now() > until) {
            exhausted = true;
            return;
          }
          const batch = await this.writer.repo.claimDue(connectionId, owner, lanes * claimPerLane, this.writer.leaseSeconds, tried);
          if (!batch.length) exhausted = true;
          // Read once per batch: its pause and reauthorization state, its tokens (refreshed ones are shared).
          else if (connectionId) conn = await this.ds.getRepository(Connection).findOneBy({ id: connectionId });
          claimed.push(...batch);
        } finally {
          refilling = null;
        }
      })());
    const lane = async () => {
      let permit: MailboxPermit | null = null;
      let calls: WriteCalls | undefined;
      let since = 0;
      try {
        for (;;) {
          const w = claimed.shift();
          if (!w) {
            if (exhausted) return;
            await refill();
            continue;
          }
          tried.push(w.id);
          if (!permit && this.slots && conn) {
            const mailbox = mailboxKey(conn.provider, conn.accountExternalId);
            // None free in time, or the mailbox throttled: the write's own call waits for a slot (or finds the
            // throttle), and the write is deferred.
            permit = await this.takeSlot(this.slots, mailbox, conn);
            calls = permit ? inSlot(mailbox, this.slots.throttle) : undefined;
            since = Date.now();
          }
          await this.runOne(w, owner, conn, calls, claimed);
          if (permit && Date.now() - since > slotHoldMs) {
            await permit.release();
            permit = null;
            calls = undefined;
          }
        }
      } finally {
        await permit?.release();
      }
    };
    try {
      await Promise.all(Array.from({ length: lanes }, lane));
    } finally {
      // Stopping: what was leased but not started is free for another worker at once.
      await this.writer.repo.release(claimed.splice(0).map((w) => w.id), owner).catch((err) => logger.warn({ err }, 'releasing outbox writes failed'));
    }
    if (Date.now() > until && !ctx.signal.aborted) await this.enqueue([connectionId]);
  }

  /** A slot of the mailbox, unless none comes free in time or the mailbox is throttled (then null). */
  private async takeSlot(slots: OutboxSlots, mailbox: string, conn: Connection): Promise<MailboxPermit | null> {
    const permit = await slots.semaphore.acquire(mailbox).catch(() => null);
    if (!permit || !slots.throttle) return permit;
    try {
      await slots.throttle.check(mailbox, conn.provider);
      return permit;
    } catch {
      await permit.release();
      return null;
    }
  }

  private async runOne(w: ClaimedWrite, owner: string, connection: Connection | null, calls: WriteCalls | undefined, queue: ClaimedWrite[]): Promise<void> {
    try {
      const run = await this.writer.runClaimed(w, owner, { connection, calls });
      if (run.outcome !== 'again') return;
      // More steps than one run takes (the appointment kept changing): straight on, if still due.
      if (await this.writer.repo.claim(w.id, owner, this.writer.leaseSeconds)) {
        const again = await this.writer.repo.load(w.id, owner, this.writer.leaseSeconds);
        if (again) queue.unshift(again);
      }
    } catch (err) {
      // The database failed under it: the lease runs out and the sweep brings the write back.
      logger.error({ err, writeId: w.id }, 'outbox write run failed');
    }
  }

  private sweep(): Promise<void> {
    this.sweeping ??= (async () => {
      try {
        await this.enqueue(await this.writer.repo.dueConnections(100));
      } catch (err) {
        logger.error({ err }, 'outbox sweep failed');
      } finally {
        this.sweeping = null;
      }
    })();
    return this.sweeping;
  }
}
