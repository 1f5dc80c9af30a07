import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Clock } from '../app/clock';
import { DomainError } from '../app/errors/domain.error';
import { logger } from '../app/logging/logger';
import { Connection } from '../connections/connection.entity';
import { ConnectionStatus, PauseReason } from '../connections/connection.enums';
import { ConnectionTokens } from '../connections/connection-tokens.service';
import type { ChangePage, NormalizedEvent, TokenSet } from '../providers/calendar-provider';
import type { Metrics } from '../app/metrics/metrics';
import { CursorExpiredError, GrantRevokedError, ProviderError, ProviderNotFoundError } from '../providers/provider.errors';
import { ProviderRegistry } from '../providers/provider-registry';
import { EventChange } from './change-range';
import { ConflictNotifier } from './conflict-notifier';
import { ConnectionSyncStatus } from './connection-sync-status.service';
import { ExternalEventRepository } from './external-event.repository';
import { CalendarSyncRequest } from './jobs/queues';
import { OwnEventObserver } from './own-event-observer';
import { ProviderCalls } from './provider-calls';
import { PushChannelRepository } from './push-channel.repository';
import { SyncScheduler } from './sync-scheduler';
import { needsFullSync, nextSyncState, SyncOutcome, SyncPolicy, SyncStateFields } from './sync-state-machine';
import { CalendarSyncState, SyncStateRepository } from './sync-state.repository';
import { classifyFailure } from './throttle/provider-failure';
import { backoffRetry, decideRetry, lastErrorText, RetryPolicyOptions } from './throttle/retry-policy';

export interface SyncWindow {
  from: Date;
  to: Date;
}

/** Points where tests look at a sync from the inside; empty in production. */
export interface CalendarSyncHooks {
  /** The lease is ours: the sync of this calendar begins (nobody else syncs it until `ended`). */
  started?: (calendarId: string) => void;
  /** Another worker held the calendar: this job was put back for later. */
  busy?: (calendarId: string) => void;
  /** Inside each write batch's transaction, once it holds the calendar (before writing its rows). */
  duringWrite?: (calendarId: string) => Promise<void>;
  /** After each write batch (pages, up to writeBatchRows events) is committed; the sync waits for it. */
  afterPage?: (calendarId: string, page: { full: boolean; index: number }) => Promise<void>;
  ended?: (calendarId: string) => void;
}

export interface CalendarSyncDeps {
  ds: DataSource;
  providers: ProviderRegistry;
  tokens: ConnectionTokens;
  calls: ProviderCalls;
  status: ConnectionSyncStatus;
  conflicts: ConflictNotifier;
  scheduler: SyncScheduler;
  clock: Clock;
  window: () => SyncWindow;
  policy: SyncPolicy;
  /** Items per provider page (the providers' defaults when unset). */
  pageSize?: number;
  /** Pages are written in transactions of at least this many events (the last batch may be smaller). */
  writeBatchRows: number;
  /** How long a sync's lease lasts without a page written (a killed worker's calendar is free again after it). */
  leaseSeconds: number;
  /** The calendar list is refreshed after a full sync unless it was listed more recently than this. */
  listFreshSeconds: number;
  /** What a failure leads to (Retry-After, backoff, ERROR after repeated failures). */
  retry: Partial<RetryPolicyOptions>;
  /** Sync lag and outcomes (GET /metrics). */
  metrics?: Metrics;
  /** Two-way sync of appointments: hears of the service's own events moved or deleted at the provider. */
  ownEvents?: OwnEventObserver;
}

/** Our lease ran out and another worker took the calendar, the calendar was deselected, or the process stops. */
class SyncAbandoned extends Error {}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** A failure in words a user can act on (the provider's own text stays in the log). */
function plainError(err: unknown, provider: string): string {
  const name = provider === 'OUTLOOK' ? 'Outlook' : 'Google Calendar';
  if (err instanceof ProviderNotFoundError) return `${name} no longer finds this calendar; it will be removed from your selection when the calendar list is refreshed.`;
  if (err instanceof ProviderError) return `${name} is not responding right now; calbridge keeps retrying.`;
  return `Syncing with ${name} failed; calbridge keeps retrying.`;
}

/**
 * The calendar sync job: brings one selected calendar's events into PostgreSQL, exclusively (the calendar's
 * lease), fully over the window when it has to (no cursor, asked for, cursor expired, window due to roll)
 * and incrementally from its cursor otherwise. A full sync marks every row it sees with a new generation and
 * sweeps the others only when it has read everything, so availability never shows a gap. Each page is one
 * transaction; the cursor is stored with the last one.
 */
export class CalendarSyncService {
  readonly hooks: CalendarSyncHooks = {};
  private readonly states: SyncStateRepository;
  private readonly pushChannels: PushChannelRepository;

  constructor(private readonly d: CalendarSyncDeps) {
    this.states = new SyncStateRepository(d.ds);
    this.pushChannels = new PushChannelRepository(d.ds);
  }

  async run(request: CalendarSyncRequest, signal: AbortSignal): Promise<void> {
    const { calendarId } = request;
    const holder = randomUUID();
    const claim = await this.states.claim(calendarId, holder, this.d.leaseSeconds, this.d.clock.now());
    if (claim.kind === 'gone') return; // deselected meanwhile
    if (claim.kind === 'busy') {
      this.hooks.busy?.(calendarId);
      // Another worker syncs it now; this request is served right after, without holding a worker.
      await this.d.scheduler.syncCalendarLater(request, 1, 'busy');
      return;
    }
    const now = this.d.clock.now();
    if ((request.trigger === 'push' || request.trigger === 'poll') && !request.retry && claim.state.nextAttemptAt && claim.state.nextAttemptAt > now) {
      // Queued before the last sync failed: its retry (at the provider's Retry-After, or after the backoff) reads the changes.
      await this.states.release(calendarId, holder);
      return;
    }
    this.hooks.started?.(calendarId);
    try {
      await this.runClaimed(claim.state, holder, request, signal);
    } finally {
      this.hooks.ended?.(calendarId);
      await this.states.release(calendarId, holder);
    }
  }

  private async runClaimed(state: CalendarSyncState, holder: string, request: CalendarSyncRequest, signal: AbortSignal): Promise<void> {
    const conn = await this.d.ds.getRepository(Connection).findOneBy({ id: state.connectionId });
    if (!conn) return;
    if (conn.status !== ConnectionStatus.ACTIVE || conn.pauseReason !== PauseReason.NONE) {
      await this.record(state, holder, { type: 'PAUSED' });
      await this.d.status.refresh(conn.id);
      return;
    }
    await this.record(state, holder, { type: 'STARTED' });
    await this.d.status.refresh(conn.id);

    const changes: EventChange[] = [];
    let full = needsFullSync(state, this.d.clock.now(), this.d.policy);
    try {
      try {
        await this.read(conn, state, holder, full, changes, signal);
      } catch (err) {
        if (!(err instanceof CursorExpiredError) || full) throw err;
        // The cursor expired: a full resync, at once. The old rows stay until it has read everything.
        logger.info({ calendarId: state.calendarId }, 'sync cursor expired; full resync');
        this.d.metrics?.syncFailed(conn.provider, 'incremental', 'cursor_expired');
        full = true;
        await this.read(conn, state, holder, true, changes, signal);
      }
      // Polled soon without push, only as a safety net with it.
      const pushActive = await this.pushChannels.covers(state.calendarId, this.d.clock.now());
      await this.record(state, holder, { type: 'SUCCEEDED', full, pushActive });
      // Lag: from the notification received (or the poll falling due) to its changes applied.
      if (request.trigger && request.dueAt) this.d.metrics?.syncApplied(conn.provider, full ? 'full' : 'incremental', request.trigger, new Date(request.dueAt), this.d.clock.now());
      if (full) await this.refreshListIfStale(conn);
    } catch (err) {
      if (err instanceof SyncAbandoned) return;
      if (signal.aborted) throw err;
      await this.failed(conn, state, holder, request, err, full);
    } finally {
      // Pages already committed changed availability, whatever happened afterwards.
      await this.d.conflicts.changed(conn, changes);
    }
    await this.d.status.refresh(conn.id);
  }

  /** Reads every page (full over the window, or from the cursor) and writes each in its own transaction. */
  private async read(conn: Connection, state: CalendarSyncState, holder: string, full: boolean, changes: EventChange[], signal: AbortSignal): Promise<void> {
    const window = this.d.window();
    const generation = full ? await this.states.nextGeneration(state.calendarId, holder) : state.generation;
    if (generation === null) throw new SyncAbandoned();
    const call = <T>(operation: string, fn: () => Promise<T>) => this.d.calls.run({ connection: conn, operation }, fn);
    // Valid tokens are no provider call: only a refresh holds a request slot of the mailbox.
    const tokens: TokenSet = await this.d.tokens.current(conn, { aroundRefresh: (refresh) => call('tokens', refresh) });
    const read = this.d.providers.get(conn.provider).readChanges(tokens, state.externalId, {
      cursor: full ? null : state.cursor,
      windowStart: window.from,
      windowEnd: window.to,
      pageSize: this.d.pageSize,
      calendarTimeZone: state.timeZone,
      // Free/busy-only calendars are read as busy blocks, in full and without a cursor.
      access: state.access,
      // A 401 in the middle of paging: refreshed tokens, and the read goes on.
      onAccessTokenExpired: () => this.d.tokens.current(conn, { force: true }),
    });
    const pages = read[Symbol.asyncIterator]();
    const cursorless = state.access === 'FREE_BUSY';
    const owner = { calendarId: state.calendarId, locationId: conn.locationId, userId: conn.userId };
    // A calendar's first sync has no old rows to compare with. Our own events: when reading began (what the outbox
    // wrote later may not show yet), and those a full read saw. One statement asks both.
    const before = full || this.d.ownEvents ? await new ExternalEventRepository(this.d.ds).beforeRead(state.calendarId) : null;
    const fresh = full && before?.hasAny === false;
    const readStartedAt = before?.at ?? new Date();
    const ownSeen = new Set<string>();
    // Pages are written in batches (one transaction each): per-statement costs dominate small pages. Within a
    // batch the last word on an event wins (a replay, or removed and added again).
    let batch = new Map<string, NormalizedEvent | null>();
    let written = 0;
    for (;;) {
      // The process stops: the job fails, and pg-boss gives it to another worker (or this one after a restart).
      if (signal.aborted) throw new Error('the worker is stopping');
      const next = await call('readChanges', () => pages.next());
      let last: string | null = null;
      if (next.done) {
        // Only a read without cursors (a free/busy-only calendar's busy blocks, always full) is complete when its pages end.
        if (!cursorless) throw new Error('the provider ended the read without a cursor');
      } else {
        const page: ChangePage = next.value;
        for (const id of page.removedIds) batch.set(id, null);
        // Google's incremental results are not bounded by the window: clipped (outside → not stored).
        for (const e of page.upserts) batch.set(e.externalId, e.end > window.from && e.start < window.to ? e : null);
        last = page.nextCursor;
        if (!last && batch.size < this.d.writeBatchRows) continue;
      }
      const final = next.done === true || last !== null;
      const events: NormalizedEvent[] = [];
      const removed: string[] = [];
      for (const [id, e] of batch) {
        if (e) events.push(e);
        else removed.push(id);
      }
      batch = new Map();
      await this.d.ds.transaction(async (tx) => {
        const st = new SyncStateRepository(tx);
        if (!(await st.holdForWrite(state.calendarId, holder, this.d.leaseSeconds))) throw new SyncAbandoned();
        await this.hooks.duringWrite?.(state.calendarId);
        // What a crash could lose here is re-read by the next sync (the cursor commits with the last batch).
        await tx.query(`SET LOCAL synchronous_commit = off`);
        const repo = new ExternalEventRepository(tx);
        const add = (found: EventChange[]) => {
          for (const c of found) changes.push(c);
        };
        add(await repo.remove(state.calendarId, removed));
        add(await repo.upsert(owner, events, generation, { fresh }));
        if (final) {
          // A first sync has nothing older to sweep: the calendar had no rows, and only this sync (its lease) wrote since.
          if (full && !fresh) add(await repo.sweep(state.calendarId, generation));
          await st.update(state.calendarId, holder, {
            cursor: last,
            ...(full ? { windowStart: window.from, windowEnd: window.to, fullSyncDone: state.fullSyncRequested } : {}),
          });
        }
      });
      await this.hooks.afterPage?.(state.calendarId, { full, index: written++ });
      await this.tellOwnEvents(state.calendarId, readStartedAt, events, removed, ownSeen, full && final ? window : null);
      if (final) return;
    }
  }

  /**
   * A failed sync: the retry policy decides. The refresh token refused → paused (NEEDS_REAUTH); the mailbox's request
   * slots all taken → deferred a moment, not a failure; otherwise deferred until the provider's Retry-After (429,
   * 503, Google's 403 rate limits) or by exponential backoff with jitter, shown as ERROR with a plain lastError after
   * repeated failures. The retry is a job that starts then: no worker sleeps holding a slot.
   */
  private async failed(conn: Connection, state: CalendarSyncState, holder: string, request: CalendarSyncRequest, err: unknown, full: boolean): Promise<void> {
    const kind = full ? 'full' : 'incremental';
    if ((err instanceof DomainError && err.code === 'CONNECTION_NEEDS_REAUTH') || err instanceof GrantRevokedError) {
      // The refresh was refused: the connection is NEEDS_REAUTH (its event was published); nothing syncs until reconnected.
      this.d.metrics?.syncFailed(conn.provider, kind, 'needs_reauth');
      await this.record(state, holder, { type: 'PAUSED' });
      return;
    }
    const now = this.d.clock.now();
    const failure = classifyFailure(err);
    const decision = decideRetry(failure, state.consecutiveFailures, now, this.d.retry);
    let next: SyncStateFields | null;
    if (decision.action === 'defer' && decision.reason === 'busy') {
      this.d.metrics?.syncFailed(conn.provider, kind, 'busy');
      next = await this.record(state, holder, { type: 'DEFERRED', until: decision.runAt });
    } else {
      logger.warn({ err: messageOf(err), failure: failure.kind, calendarId: state.calendarId, connectionId: conn.id }, 'calendar sync failed');
      const error = failure.kind === 'not-found' || failure.kind === 'internal' ? plainError(err, conn.provider) : lastErrorText(failure);
      // A calendar reported gone (or a cursor refused by a full read) is tried again after the backoff: the list refresh may keep it.
      const { runAt, consecutiveFailures, markError } = decision.action === 'defer' ? decision : backoffRetry(state.consecutiveFailures, now, this.d.retry);
      const retry = { at: runAt, consecutiveFailures, markError };
      next = await this.record(state, holder, { type: 'FAILED', error, retry });
      this.d.metrics?.syncFailed(conn.provider, kind, failure.kind === 'throttled' ? 'throttled' : decision.action === 'gone' ? 'gone' : 'failed');
      // A calendar the provider no longer has leaves the selection with the next calendar list.
      if (decision.action === 'gone') await this.d.scheduler.refreshCalendarList(conn.id);
    }
    if (next?.nextAttemptAt) await this.d.scheduler.syncCalendarLater(request, (next.nextAttemptAt.getTime() - now.getTime()) / 1000, 'retry');
  }

  /** The service's own events of a committed batch go to the two-way observer; its failures do not fail the sync. */
  private async tellOwnEvents(calendarId: string, readStartedAt: Date, events: NormalizedEvent[], removedIds: string[], seen: Set<string>, fullWindow: SyncWindow | null): Promise<void> {
    const observer = this.d.ownEvents;
    if (!observer) return;
    const upserts = events.filter((e) => e.clientKey !== null);
    for (const e of upserts) seen.add(e.externalId);
    try {
      if (upserts.length || removedIds.length) await observer.changed({ calendarId, readStartedAt, upserts, removedIds });
      if (fullWindow) await observer.fullSyncEnded(calendarId, readStartedAt, seen, fullWindow);
    } catch (err) {
      logger.error({ err, calendarId }, 'two-way handling of our own events failed');
    }
  }

  /** Applies an outcome to the calendar's state (pure state machine) and stores it; null when the lease was lost. */
  private async record(state: CalendarSyncState, holder: string, outcome: SyncOutcome) {
    const next = nextSyncState(state, outcome, this.d.clock.now(), this.d.policy);
    // Only the state machine's fields: the cursor and window were stored with the last page.
    const fields: SyncStateFields = {
      stage: next.stage,
      consecutiveFailures: next.consecutiveFailures,
      nextAttemptAt: next.nextAttemptAt,
      nextPollAt: next.nextPollAt,
      lastError: next.lastError,
      lastFullSyncAt: next.lastFullSyncAt,
      lastIncrementalSyncAt: next.lastIncrementalSyncAt,
    };
    Object.assign(state, fields);
    return (await this.states.update(state.calendarId, holder, fields)) ? fields : null;
  }

  /** "The calendar list is refreshed at every full sync" (not again when it was listed moments ago). */
  private async refreshListIfStale(conn: Connection): Promise<void> {
    const [fresh] = await this.d.ds.query(`SELECT 1 FROM connections WHERE id = $1 AND calendars_listed_at > now() - make_interval(secs => $2)`, [conn.id, this.d.listFreshSeconds]);
    if (!fresh) await this.d.scheduler.refreshCalendarList(conn.id);
  }
}
