import { DataSource } from 'typeorm';
import { Clock } from '../app/clock';
import { logger } from '../app/logging/logger';
import { Provider } from '../connections/connection.enums';
import { CalendarSyncService } from './calendar-sync.service';

export interface FreshnessOptions {
  /** A conflict calendar without active push whose last sync is older than this may be stale (BOOKING_FRESHNESS_SECONDS). */
  maxAgeSeconds: number;
  /** The most a booking waits for those syncs (BOOKING_FRESHNESS_TIMEOUT_MS); it then decides on what it has. */
  timeoutMs: number;
}

const POLL_MS = 50;

/**
 * Freshness before booking (PRODUCT.md "Booking"): the participants' conflict calendars that may be stale (no
 * active push, last sync older than the limit) are synced incrementally, here and now, before the booking is
 * checked and committed; waiting is bounded, so an unreachable provider delays a booking by seconds, never more.
 */
export class ConflictFreshness {
  // Syncs outlive a booking that stopped waiting for them; the app's stop ends them (they hold a sync lease and
  // use the pool and the providers' connections, which the stop closes next).
  private readonly running = new Set<Promise<void>>();
  private readonly closing = new AbortController();

  constructor(
    private readonly ds: DataSource,
    private readonly calendarSync: CalendarSyncService,
    private readonly clock: Clock,
    private readonly opts: FreshnessOptions,
  ) {}

  async ensureFresh(locationId: string, userIds: readonly string[], providers: readonly Provider[]): Promise<void> {
    if (!userIds.length) return;
    const stale = await this.staleCalendars(locationId, userIds, providers);
    if (!stale.length) return;
    const deadline = Date.now() + this.opts.timeoutMs;
    const signal = AbortSignal.any([AbortSignal.timeout(this.opts.timeoutMs), this.closing.signal]);
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.opts.timeoutMs)));
    const syncs = Promise.all(stale.map((id) => this.syncNow(id, locationId, userIds, providers, deadline, signal)));
    const settled = syncs.then(
      () => undefined,
      () => undefined,
    );
    this.running.add(settled);
    void settled.then(() => this.running.delete(settled));
    try {
      await Promise.race([syncs, bound]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops the syncs still running (at their next step) and waits for them: nothing of theirs is left afterwards. */
  async close(): Promise<void> {
    this.closing.abort();
    await Promise.all([...this.running]);
  }

  /** Syncs one calendar now; if another worker is syncing it, waits (until the deadline) for that sync to land. */
  private async syncNow(calendarId: string, locationId: string, userIds: readonly string[], providers: readonly Provider[], deadline: number, signal: AbortSignal): Promise<void> {
    await this.calendarSync.run({ calendarId }, signal).catch((err) => logger.warn({ err, calendarId }, 'sync before booking failed; booking goes on with the data it has'));
    while (Date.now() < deadline && !signal.aborted && (await this.staleCalendars(locationId, userIds, providers, calendarId)).length) {
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  private async staleCalendars(locationId: string, userIds: readonly string[], providers: readonly Provider[], only: string | null = null): Promise<string[]> {
    const now = this.clock.now();
    const found: Array<{ id: string }> = await this.ds.query(
      `SELECT cc.provider_calendar_id AS id
         FROM conflict_calendars cc
         JOIN provider_calendars pc ON pc.id = cc.provider_calendar_id
         JOIN connections c ON c.id = pc.connection_id AND c.provider = ANY($3::text[]) AND c.status = 'ACTIVE' AND c.pause_reason = 'NONE'
         JOIN calendar_sync_states s ON s.provider_calendar_id = cc.provider_calendar_id
        WHERE cc.location_id = $1 AND cc.user_id = ANY($2::uuid[]) AND ($6::uuid IS NULL OR cc.provider_calendar_id = $6::uuid)
          AND NOT EXISTS (SELECT 1 FROM push_channels p WHERE p.provider_calendar_id = cc.provider_calendar_id AND p.expires_at > $4)
          AND coalesce(GREATEST(s.last_full_sync_at, s.last_incremental_sync_at), '-infinity') < $4::timestamptz - make_interval(secs => $5)`,
      [locationId, userIds, providers, now, this.opts.maxAgeSeconds, only],
    );
    return found.map((r) => r.id);
  }
}
