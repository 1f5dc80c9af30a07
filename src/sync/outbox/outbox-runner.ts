import { DataSource } from 'typeorm';
import { logger } from '../../app/logging/logger';
import { JobQueue } from '../jobs/job-queue';
import { OUTBOX_WRITE } from '../jobs/queues';
import { OutboxWriter, WriteRun } from './outbox-writer';

export interface OutboxRunnerOptions {
  /**
   * How often due writes are looked for: retries whose backoff ended, held writes looked at again, writes whose
   * job was lost (a crash between commit and enqueue, a worker killed holding one).
   */
  sweepMs: number;
  /** False: this process only queues writes (PROCESS_ROLE api); the workers write them. */
  work: boolean;
}

export const defaultOutboxRunnerOptions: OutboxRunnerOptions = { sweepMs: 2_000, work: true };

// Like the job queue's: a write retried within seconds still counts as pending work.
const SOON_SECONDS = 5;

/**
 * The outbox as jobs: one job per write, enqueued right after the commit that queued it (booking, reschedule,
 * cancel, a reconnect releasing held writes). In worker processes a sweep enqueues whatever else is due: retries
 * once their backoff (or Retry-After) is over, and writes whose job was lost. The job only says "look at this
 * write": the row, its lease and its version are the truth, so duplicate or stale jobs are harmless.
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
  ) {
    this.opts = { ...defaultOutboxRunnerOptions, ...options };
    if (this.opts.work) jobs.handle(OUTBOX_WRITE, (data) => this.run(data.writeId));
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
    const found: Array<{ id: string }> = await this.ds.query(`SELECT id FROM appointment_writes WHERE appointment_id = $1 AND state = 'PENDING'`, [appointmentId]);
    await this.enqueue(found.map((r) => r.id));
  }

  /** A connection can write again (reconnected, resumed): its held writes go out now. */
  async connectionActive(connectionId: string): Promise<void> {
    await this.enqueue(await this.writer.repo.releaseHeld(connectionId));
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

  private async enqueue(writeIds: readonly string[]): Promise<void> {
    for (const writeId of writeIds) await this.jobs.enqueue(OUTBOX_WRITE, { writeId }, { key: writeId });
  }

  /**
   * One job: a run of the writer. More to do at once: another job. A retry or a hold is found by the sweep when
   * due; a write another worker holds is that worker's (it carries on with any change it finds when recording).
   */
  private async run(writeId: string): Promise<void> {
    const run: WriteRun = await this.writer.process(writeId);
    if (run.outcome === 'again') await this.enqueue([writeId]);
  }

  private sweep(): Promise<void> {
    this.sweeping ??= (async () => {
      try {
        await this.enqueue(await this.writer.repo.dueIds(100));
      } catch (err) {
        logger.error({ err }, 'outbox sweep failed');
      } finally {
        this.sweeping = null;
      }
    })();
    return this.sweeping;
  }
}
