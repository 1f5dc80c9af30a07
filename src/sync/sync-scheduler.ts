import { DataSource } from 'typeorm';
import { Clock } from '../app/clock';
import { FeatureScope } from '../tenancy/feature-hooks';
import { ConnectionSyncStatus } from './connection-sync-status.service';
import { JobQueue } from './jobs/job-queue';
import { CALENDAR_LIST, CALENDAR_SYNC, CalendarSyncRequest, FEATURE_REEVALUATION, PUSH_CHANNEL, PUSH_RECONCILE, SyncTrigger } from './jobs/queues';
import { SyncStateRepository } from './sync-state.repository';

/** While a calendar syncs, a request for it waits this long, so that a burst of notifications joins one follow-up sync. */
export const FOLLOW_UP_SECONDS = 2;
/** A sync that started this long after a notice was received reads its change (clocks of instances may differ a little). */
const NOTICE_COVERED_MARGIN_MS = 250;
/** A sync resumed after a lease starts this long after the lease's end (the clocks of instances may differ a little). */
const LEASE_MARGIN_SECONDS = 0.5;
/** A retry this late (its job should have run at its time) was lost with the worker that recorded the failure. */
const RETRY_OVERDUE_SECONDS = 60;

export interface SyncRequestOptions {
  /** Read the whole window (mark and sweep) rather than from the cursor. */
  full?: boolean;
  /** What made it due; push and polls leave a calendar that waits for its retry (backoff, Retry-After) alone. */
  trigger?: SyncTrigger;
  /** When it became due (default now), per calendar for polls: the sync-lag metric counts from it. */
  dueAt?: Date | ReadonlyMap<string, Date>;
  /** A push notice received then: calendars whose sync started after it are already covered. */
  noticedAt?: Date;
}

/**
 * How the rest of the service asks for provider work: mutations and the OAuth callback commit their rows,
 * then call this, which only enqueues (coalesced per connection or calendar) and never waits on a provider.
 */
export class SyncScheduler {
  private readonly states: SyncStateRepository;

  constructor(
    private readonly ds: DataSource,
    private readonly jobs: JobQueue,
    private readonly status: ConnectionSyncStatus,
    private readonly clock: Clock,
    /** How long a request for a calendar that syncs now waits (default FOLLOW_UP_SECONDS; tests shorten it). */
    private readonly followUpSeconds = FOLLOW_UP_SECONDS,
  ) {
    this.states = new SyncStateRepository(ds);
  }

  /**
   * Syncs these calendars soon (QUEUED), fully when `full`; a burst for one calendar coalesces into one waiting job
   * (and, while the calendar syncs, into one follow-up a moment later). Calendars no longer selected are skipped;
   * for push and polls, so are calendars waiting for their retry. Publishes the connections' new sync state.
   */
  async syncCalendars(calendarIds: readonly string[], opts: SyncRequestOptions = {}): Promise<void> {
    const now = this.clock.now();
    const background = opts.trigger === 'push' || opts.trigger === 'poll';
    const queued = await this.states.markQueued(calendarIds, { full: opts.full, respectBackoff: background, now, noticedAt: opts.noticedAt, marginMs: NOTICE_COVERED_MARGIN_MS });
    const due = queued.filter((c) => !c.deferred);
    if (!due.length) return;
    // QUEUED is announced before any job can start (and announce SYNCING).
    const connections: Array<{ connection_id: string }> = await this.ds.query(`SELECT DISTINCT connection_id FROM calendar_sync_states WHERE provider_calendar_id = ANY($1::uuid[])`, [due.map((c) => c.id)]);
    for (const c of connections) await this.status.refresh(c.connection_id);
    for (const c of due) {
      const dueAt = opts.dueAt instanceof Map ? opts.dueAt.get(c.id) : opts.dueAt;
      const request: CalendarSyncRequest = { calendarId: c.id, trigger: opts.trigger ?? 'initial', dueAt: (dueAt ?? now).toISOString() };
      // A notice for a calendar already queued or syncing waits a moment: the rest of its burst joins that follow-up.
      const followUp = c.running || (opts.trigger === 'push' && (c.previousStage === 'QUEUED' || c.previousStage === 'SYNCING'));
      await this.jobs.enqueue(CALENDAR_SYNC, request, { key: c.id, delaySeconds: followUp ? this.followUpSeconds : 0 });
    }
  }

  /**
   * Work a killed worker held is picked up again. At a worker's start (`expiredOnly` false) every calendar left
   * SYNCING gets a sync that starts when its lease runs out (a dead worker's lease stays until then; a live
   * worker's sync simply ends first). From the periodic tick (`expiredOnly`), calendars left SYNCING whose lease ran
   * out are synced now, without waiting for pg-boss to expire the dead worker's job; so are calendars whose retry is
   * long overdue with nobody holding them (the worker died before it enqueued the retry). Returns how many.
   */
  async resumeInterrupted(opts: { expiredOnly?: boolean } = {}): Promise<number> {
    const left = await this.states.unfinished(this.clock.now(), { expiredOnly: opts.expiredOnly === true, overdueSeconds: RETRY_OVERDUE_SECONDS });
    for (const c of left) {
      if (c.stage === 'SYNCING') await this.jobs.enqueue(CALENDAR_SYNC, { calendarId: c.id }, { key: c.id, delaySeconds: c.leaseLeftSeconds > 0 ? c.leaseLeftSeconds + LEASE_MARGIN_SECONDS : 0 });
      else await this.syncCalendarLater({ calendarId: c.id }, 0, 'retry');
    }
    return left.length;
  }

  /** Every selected calendar of the connection. */
  async syncConnection(connectionId: string, opts: SyncRequestOptions = {}): Promise<void> {
    await this.syncCalendars(await this.states.calendarsOf(connectionId), opts);
  }

  /**
   * A sync again after a delay: a retry after a failure has its own key, so it never delays a sync asked for now; a
   * request that found the calendar busy joins the follow-up of the running sync.
   */
  async syncCalendarLater(request: CalendarSyncRequest, delaySeconds: number, reason: 'retry' | 'busy'): Promise<void> {
    const key = reason === 'retry' ? `${request.calendarId}:retry` : request.calendarId;
    await this.jobs.enqueue(CALENDAR_SYNC, reason === 'retry' ? { ...request, retry: true } : request, { key, delaySeconds: Math.max(1, delaySeconds) });
  }

  /** Push channels follow the connection's selection; `restart` replaces every channel (the repair). */
  async reconcilePush(connectionId: string, opts: { restart?: boolean } = {}): Promise<void> {
    await this.jobs.enqueue(PUSH_RECONCILE, { connectionId, restart: opts.restart === true }, { key: `${connectionId}${opts.restart ? ':restart' : ''}` });
  }

  /** Renews one push channel now (Graph asked to reauthorize it; the renewal scan found it expiring). */
  async renewPush(connectionId: string, channelId: string): Promise<void> {
    await this.jobs.enqueue(PUSH_CHANNEL, { connectionId, channelId, action: 'renew' }, { key: `${connectionId}:renew:${channelId}` });
  }

  /** The provider removed this channel: a new one replaces it. */
  async recreatePush(connectionId: string, channelId: string): Promise<void> {
    await this.jobs.enqueue(PUSH_CHANNEL, { connectionId, channelId, action: 'recreate' }, { key: `${connectionId}:recreate:${channelId}` });
  }

  async refreshCalendarList(connectionId: string): Promise<void> {
    await this.jobs.enqueue(CALENDAR_LIST, { connectionId }, { key: connectionId });
  }

  /** The enabled features changed in this scope: its connections pause or resume. */
  async reevaluateFeatures(scope: FeatureScope): Promise<void> {
    await this.jobs.enqueue(FEATURE_REEVALUATION, scope, { key: JSON.stringify(scope) });
  }
}
