import { DataSource } from 'typeorm';
import { Clock } from '../../app/clock';
import { logger } from '../../app/logging/logger';
import { Connection } from '../../connections/connection.entity';
import { PauseReason } from '../../connections/connection.enums';
import { ConnectionEvents } from '../../connections/connection-events';
import { ConnectionTokens } from '../../connections/connection-tokens.service';
import { TokenSet, WrittenEvent } from '../../providers/calendar-provider';
import { ProviderRegistry } from '../../providers/provider-registry';
import { ProviderWriteState } from '../../scheduling/booking/appointment.enums';
import { ClaimedWrite, OutboxRepository } from './outbox.repository';
import { ConnectionPausedError, decideWriteFailure, defaultWriteFailureOptions, WriteFailureOptions } from './write-failure';
import { nextStep, toEventWrite, WriteStep, writtenAfter } from './write-plan';

/** Wraps each provider call (the per-mailbox throttle plugs in here). */
export interface WriteCalls {
  run<T>(ctx: { connection: Pick<Connection, 'id' | 'provider' | 'accountExternalId'>; operation: string }, call: () => Promise<T>): Promise<T>;
}

export interface OutboxTuning {
  /** A worker's claim of a write; renewed at every step, so it only runs out when the worker died. */
  leaseSeconds: number;
  /** A write held for reauthorization is looked at again after this long even if nobody reconnects. */
  holdMs: number;
  /** Steps one run takes at most (each change of the appointment while it runs adds one). */
  maxSteps: number;
  failure: WriteFailureOptions;
}

export const defaultOutboxTuning: OutboxTuning = { leaseSeconds: 120, holdMs: 3_600_000, maxSteps: 8, failure: defaultWriteFailureOptions };

/**
 * How a run ended: written (the provider matches), failed (for good), retry or held (due again in `delayMs`),
 * again (more to do at once), busy (the lease was lost to another worker).
 */
export type WriteRun = { outcome: 'written' | 'failed' | 'busy' | 'again' } | { outcome: 'retry' | 'held'; delayMs: number };
type StepOutcome = WriteRun | { outcome: 'step' };

/** What the caller of a run already has. */
export interface RunContext {
  /** The target connection as just read (a job draining one connection reads it once per batch). */
  connection?: Connection | null;
  /** Instead of the writer's own: the caller holds a request slot of the mailbox for this run. */
  calls?: WriteCalls;
}

export interface OutboxWriterDeps {
  ds: DataSource;
  providers: ProviderRegistry;
  tokens: ConnectionTokens;
  events: ConnectionEvents;
  clock: Clock;
  calls?: WriteCalls;
  tuning?: Partial<OutboxTuning>;
}

const direct: WriteCalls = { run: (_ctx, call) => call() };

/**
 * Brings one participant's provider event to the appointment's version (docs/booking.md "The outbox"): with the
 * write's lease (claimed by the runner), steps (create, update, delete) until the row asks for nothing more,
 * recording each step with a compare-and-set on the version, so changes made meanwhile are carried out in order by
 * this same run. The statement that records the last step (written, deferred, failed) also ends the lease.
 */
export class OutboxWriter {
  readonly repo: OutboxRepository;
  private readonly tuning: OutboxTuning;
  private readonly calls: WriteCalls;

  /** How long a claim of a write lasts without renewal. */
  get leaseSeconds(): number {
    return this.tuning.leaseSeconds;
  }

  constructor(private readonly d: OutboxWriterDeps) {
    this.repo = new OutboxRepository(d.ds);
    this.tuning = { ...defaultOutboxTuning, ...d.tuning, failure: { ...defaultOutboxTuning.failure, ...d.tuning?.failure } };
    this.calls = d.calls ?? direct;
  }

  /**
   * One run of a write whose lease `owner` holds (`claimed`: as the claim read it, for the first step; later steps
   * read it again): steps until the provider matches the row, or a failure defers it.
   */
  async runClaimed(claimed: ClaimedWrite, owner: string, run: RunContext = {}): Promise<WriteRun> {
    const writeId = claimed.id;
    let leased = true;
    try {
      for (let i = 0; i < this.tuning.maxSteps; i++) {
        const w = i === 0 ? claimed : await this.repo.load(writeId, owner, this.tuning.leaseSeconds);
        if (!w) {
          leased = false;
          return { outcome: 'busy' };
        }
        const step = nextStep(w.status, w);
        if (step.op === 'NONE') {
          const state = await this.repo.recordStep(writeId, owner, { writtenVersion: w.version, note: null });
          if (state === ProviderWriteState.PENDING) continue;
          leased = false;
          return { outcome: state === null ? 'busy' : 'written' };
        }
        const outcome = await this.attempt(w, step, owner, run);
        if (outcome.outcome === 'step') continue;
        // Every other outcome was recorded by a statement that ended the lease (or found it lost).
        leased = false;
        return outcome;
      }
      return { outcome: 'again' };
    } finally {
      if (leased) await this.repo.release([writeId], owner);
    }
  }

  /** Runs one step; 'step' when the row wants another look (written towards an older version, or started over). */
  private async attempt(w: ClaimedWrite, step: WriteStep, owner: string, run: RunContext): Promise<StepOutcome> {
    if (!w.target) {
      const reason = 'The calendar this event belongs to is no longer connected (the account was disconnected or the calendar removed), so calbridge cannot change the event there.';
      return (await this.repo.fail(w.id, owner, w.version, reason, false)) ? { outcome: 'failed' } : { outcome: 'step' };
    }
    const target = w.target;
    const conn = run.connection?.id === target.connectionId ? run.connection : await this.d.ds.getRepository(Connection).findOneBy({ id: target.connectionId });
    const calls = run.calls ?? this.calls;
    // Whether the request may have left: the claim's "create sent" is taken back when it never did.
    let sent = false;
    try {
      if (!conn) throw new Error(`connection ${target.connectionId} is gone`);
      // Paused (plan downgrade, location switch): held like a connection needing reauthorization.
      if (conn.pauseReason !== PauseReason.NONE && conn.pauseReason !== PauseReason.NEEDS_REAUTH) throw new ConnectionPausedError(conn.lastError);
      // A connection needing reauthorization refuses here, before anything is sent.
      const written = await this.d.tokens.use(conn, (tokens) =>
        calls.run({ connection: conn, operation: `${step.op.toLowerCase()}Event` }, async () => {
          if (step.op === 'CREATE' && !w.createMarked) await this.repo.markCreateSent(w.id, owner, w.version);
          sent = true;
          return this.call(tokens, w, target, step);
        }),
      );
      const state = await this.repo.recordStep(w.id, owner, this.result(w, step, written));
      if (state === null) return { outcome: 'busy' };
      return state === ProviderWriteState.WRITTEN ? { outcome: 'written' } : { outcome: 'step' };
    } catch (err) {
      const decision = decideWriteFailure(err, step, { provider: target.provider, calendarName: target.calendarName, attempts: w.attempts, now: this.d.clock.now() }, this.tuning.failure);
      logger.info({ writeId: w.id, appointmentId: w.appointmentId, op: step.op, decision: decision.action, err: (err as Error).message }, 'outbox write failed');
      const unsent = w.createMarked && !sent;
      switch (decision.action) {
        case 'recreate':
          await this.repo.startOver(w.id, owner);
          return { outcome: 'step' };
        case 'hold':
          await this.repo.defer(w.id, owner, this.tuning.holdMs, w.attempts, decision.reason, unsent);
          return { outcome: 'held', delayMs: this.tuning.holdMs };
        case 'retry':
          await this.repo.defer(w.id, owner, decision.delayMs, decision.attempts, decision.reason, unsent);
          return { outcome: 'retry', delayMs: decision.delayMs };
        case 'fail': {
          // A refused first create made nothing at the provider: a later cancel has nothing to remove.
          const failed = await this.repo.fail(w.id, owner, w.version, decision.reason, step.op === 'CREATE' && w.createSentVersion === null);
          if (!failed) return { outcome: 'step' };
          if (conn) await this.announceFailure(conn, decision.reason);
          return { outcome: 'failed' };
        }
      }
    }
  }

  private call(tokens: TokenSet, w: ClaimedWrite, target: NonNullable<ClaimedWrite['target']>, step: WriteStep): Promise<WrittenEvent | null> {
    const driver = this.d.providers.get(target.provider);
    const event = toEventWrite(w, target.provider);
    switch (step.op) {
      case 'CREATE':
        return driver.createEvent(tokens, target.calendarExternalId, event, w.idempotencyKey);
      case 'UPDATE':
        return driver.updateEvent(tokens, target.calendarExternalId, step.externalEventId, event);
      case 'DELETE':
        return driver.deleteEvent(tokens, target.calendarExternalId, step.externalEventId).then(() => null);
      default:
        return Promise.resolve(null);
    }
  }

  private result(w: ClaimedWrite, step: WriteStep, written: WrittenEvent | null) {
    const writtenVersion = writtenAfter(step, w.version, w.createSentVersion);
    if (!written) return { writtenVersion, note: null };
    return { writtenVersion, externalEventId: written.externalId, meetingUrl: written.meetingUrl, note: written.meetingError };
  }

  /** A write failed for good: the connection's subscribers hear it (syncStatusChanged), with the reason as its lastError. */
  private async announceFailure(conn: Connection, reason: string): Promise<void> {
    await this.d.ds.query(`UPDATE connections SET last_error = $2, updated_at = now() WHERE id = $1`, [conn.id, reason]);
    conn.lastError = reason;
    this.d.events.statusChanged(conn);
  }
}
