import { DataSource } from 'typeorm';
import { FeatureScope } from '../tenancy/feature-hooks';
import { ConnectionSyncStatus } from './connection-sync-status.service';
import { JobQueue } from './jobs/job-queue';
import { CALENDAR_LIST, CALENDAR_SYNC, FEATURE_REEVALUATION, PUSH_RECONCILE } from './jobs/queues';
import { SyncStateRepository } from './sync-state.repository';

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
  ) {
    this.states = new SyncStateRepository(ds);
  }

  /**
   * Syncs these calendars soon (QUEUED), fully when `full`; a burst for one calendar coalesces into one
   * waiting job. Calendars no longer selected are skipped. Publishes the connections' new sync state.
   */
  async syncCalendars(calendarIds: readonly string[], opts: { full?: boolean } = {}): Promise<void> {
    const queued = await this.states.markQueued(calendarIds, opts);
    if (!queued.length) return;
    // QUEUED is announced before any job can start (and announce SYNCING).
    const connections: Array<{ connection_id: string }> = await this.ds.query(`SELECT DISTINCT connection_id FROM calendar_sync_states WHERE provider_calendar_id = ANY($1::uuid[])`, [queued]);
    for (const c of connections) await this.status.refresh(c.connection_id);
    for (const calendarId of queued) await this.jobs.enqueue(CALENDAR_SYNC, { calendarId }, { key: calendarId });
  }

  /** Every selected calendar of the connection. */
  async syncConnection(connectionId: string, opts: { full?: boolean } = {}): Promise<void> {
    await this.syncCalendars(await this.states.calendarsOf(connectionId), opts);
  }

  /** A sync again after a delay (a retry after a failure, or the calendar was busy): its own key, so it never delays a sync asked for now. */
  async syncCalendarLater(calendarId: string, delaySeconds: number, reason: 'retry' | 'busy'): Promise<void> {
    await this.jobs.enqueue(CALENDAR_SYNC, { calendarId }, { key: `${calendarId}:${reason}`, delaySeconds: Math.max(1, delaySeconds) });
  }

  /** Push channels follow the connection's selection; `restart` replaces every channel (the repair). */
  async reconcilePush(connectionId: string, opts: { restart?: boolean } = {}): Promise<void> {
    await this.jobs.enqueue(PUSH_RECONCILE, { connectionId, restart: opts.restart === true }, { key: `${connectionId}${opts.restart ? ':restart' : ''}` });
  }

  async refreshCalendarList(connectionId: string): Promise<void> {
    await this.jobs.enqueue(CALENDAR_LIST, { connectionId }, { key: connectionId });
  }

  /** The enabled features changed in this scope: its connections pause or resume. */
  async reevaluateFeatures(scope: FeatureScope): Promise<void> {
    await this.jobs.enqueue(FEATURE_REEVALUATION, scope, { key: JSON.stringify(scope) });
  }
}
