import { DataSource } from 'typeorm';
import { logger } from '../../app/logging/logger';
import { OutboxWriter, WriteOutcome } from './outbox-writer';

export interface OutboxRunnerOptions {
  /** Writes in flight at once in this process. */
  concurrency: number;
  /** How often due writes (retries, held writes, those of a killed worker) are looked for. */
  sweepMs: number;
  /** False: this process only queues writes (in the booking's transaction); other processes write them. */
  work: boolean;
}

// Like the job queue's: a write retried within seconds still counts as pending work.
const SOON_SECONDS = 5;

export const defaultOutboxRunnerOptions: OutboxRunnerOptions = { concurrency: 16, sweepMs: 1_000, work: true };

/**
 * Runs the outbox in this process: writes are handed over right after the commit that queued them, and a sweep
 * picks up whatever is due (retries after their backoff, writes released after a reconnect, writes whose worker
 * died and whose lease ran out). Workers of several processes share the work through the writes' leases.
 */
export class OutboxRunner {
  private readonly queue = new Set<string>();
  private running = 0;
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;
  private stopped = false;
  private readonly opts: OutboxRunnerOptions;
  private readonly drained: Array<() => void> = [];

  constructor(
    private readonly ds: DataSource,
    private readonly writer: OutboxWriter,
    options: Partial<OutboxRunnerOptions> = {},
  ) {
    this.opts = { ...defaultOutboxRunnerOptions, ...options };
  }

  start(): void {
    if (!this.opts.work) return;
    this.timer = setInterval(() => void this.sweep(), this.opts.sweepMs);
    this.timer.unref();
    void this.sweep();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.queue.clear();
    await this.sweeping;
    while (this.running > 0) await new Promise<void>((resolve) => this.drained.push(resolve));
  }

  /** The appointment's pending writes go out now (called after the commit that queued them). */
  async appointmentChanged(appointmentId: string): Promise<void> {
    const found: Array<{ id: string }> = await this.ds.query(`SELECT id FROM appointment_writes WHERE appointment_id = $1 AND state = 'PENDING'`, [appointmentId]);
    this.notify(found.map((r) => r.id));
  }

  /** A connection can write again: its held writes go out now. */
  async connectionActive(connectionId: string): Promise<void> {
    this.notify(await this.writer.repo.releaseHeld(connectionId));
  }

  notify(writeIds: readonly string[]): void {
    if (this.stopped || !this.opts.work) return;
    for (const id of writeIds) this.queue.add(id);
    this.pump();
  }

  /**
   * Resolves once nothing is queued, running, leased or due within a few seconds, in any process (tests wait for
   * the work they caused; writes deferred longer, by Retry-After or a hold, do not count).
   */
  async whenIdle(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running && !this.queue.size && !(await this.writer.repo.busyWithin(SOON_SECONDS))) return;
      if (Date.now() > deadline) throw new Error(`outbox still busy after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private sweep(): Promise<void> {
    this.sweeping ??= (async () => {
      try {
        if (this.stopped) return;
        this.notify(await this.writer.repo.dueIds(this.opts.concurrency * 4));
      } catch (err) {
        logger.error({ err }, 'outbox sweep failed');
      } finally {
        this.sweeping = null;
      }
    })();
    return this.sweeping;
  }

  private pump(): void {
    while (this.running < this.opts.concurrency && this.queue.size) {
      const id = this.queue.values().next().value as string;
      this.queue.delete(id);
      this.running++;
      void this.run(id);
    }
  }

  private async run(id: string): Promise<void> {
    let outcome: WriteOutcome | 'error' = 'error';
    try {
      outcome = await this.writer.process(id);
    } catch (err) {
      // The database, a bug: the lease is released and the sweep brings the write back.
      logger.error({ err, writeId: id }, 'outbox write crashed');
    } finally {
      this.running--;
      if (outcome === 'again') this.queue.add(id);
      if (!this.stopped) this.pump();
      if (!this.running) this.drained.splice(0).forEach((resolve) => resolve());
    }
  }
}
