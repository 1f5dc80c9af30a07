import { DataSource, EntityManager } from 'typeorm';
import { rows } from '../app/database/sql';
import type { CalendarAccessLevel } from '../providers/calendar-provider';
import type { SyncStage, SyncStateFields } from './sync-state-machine';

/** A selected calendar's sync state, with what the runner needs about its calendar and connection. */
export interface CalendarSyncState extends SyncStateFields {
  calendarId: string;
  connectionId: string;
  externalId: string;
  timeZone: string | null;
  /** The calendar's access as last listed: FREE_BUSY calendars are read as busy blocks, always in full. */
  access: CalendarAccessLevel;
  cursor: string | null;
  windowStart: Date | null;
  windowEnd: Date | null;
  generation: number;
  fullSyncRequested: number;
  fullSyncDone: number;
}

const COLUMNS = `s.provider_calendar_id AS "calendarId", s.connection_id AS "connectionId", pc.external_id AS "externalId", pc.time_zone AS "timeZone", pc.access,
  s.stage, s.cursor, s.window_start AS "windowStart", s.window_end AS "windowEnd", s.generation::int AS generation,
  s.full_sync_requested::int AS "fullSyncRequested", s.full_sync_done::int AS "fullSyncDone",
  s.last_full_sync_at AS "lastFullSyncAt", s.last_incremental_sync_at AS "lastIncrementalSyncAt",
  s.consecutive_failures AS "consecutiveFailures", s.next_poll_at AS "nextPollAt", s.next_attempt_at AS "nextAttemptAt", s.last_error AS "lastError"`;

/** What a finished (or failed) sync stores; `cursor` etc. only when given. */
export interface SyncStateUpdate extends Partial<SyncStateFields> {
  cursor?: string | null;
  windowStart?: Date;
  windowEnd?: Date;
  fullSyncDone?: number;
}

/** A calendar asked to sync: `running` when a worker syncs it now, `deferred` when it waits for its retry. */
export interface QueuedCalendar {
  id: string;
  previousStage: SyncStage;
  running: boolean;
  deferred: boolean;
}

export type ClaimResult = { kind: 'claimed'; state: CalendarSyncState } | { kind: 'busy' } | { kind: 'gone' };

/**
 * The SQL of calendar sync states: one row per selected (linked or conflict) calendar. A sync holds the row's
 * lease; every write of the sync checks it, so a worker whose lease ran out (and was taken over) writes nothing.
 */
export class SyncStateRepository {
  constructor(private readonly db: DataSource | EntityManager) {}

  /**
   * A row for every selected calendar of the connection, none for the others (their rows go, so their syncs
   * stop). Returns the calendars newly selected (their first sync is full) and those no longer selected.
   */
  async reconcileSelection(connectionId: string): Promise<{ added: string[]; removed: string[] }> {
    const changed = await rows<{ kind: 'added' | 'removed'; id: string }>(
      this.db,
      `WITH selected AS (
         SELECT pc.id FROM provider_calendars pc
          WHERE pc.connection_id = $1
            AND (EXISTS (SELECT 1 FROM conflict_calendars cc WHERE cc.provider_calendar_id = pc.id)
                 OR EXISTS (SELECT 1 FROM calendar_configurations cfg WHERE cfg.linked_calendar_id = pc.id))
       ), added AS (
         INSERT INTO calendar_sync_states (provider_calendar_id, connection_id) SELECT id, $1 FROM selected
         ON CONFLICT (provider_calendar_id) DO NOTHING RETURNING provider_calendar_id AS id
       ), removed AS (
         DELETE FROM calendar_sync_states s WHERE s.connection_id = $1 AND s.provider_calendar_id NOT IN (SELECT id FROM selected)
         RETURNING s.provider_calendar_id AS id
       )
       SELECT 'added' AS kind, id FROM added UNION ALL SELECT 'removed' AS kind, id FROM removed`,
      [connectionId],
    );
    return { added: changed.filter((c) => c.kind === 'added').map((c) => c.id), removed: changed.filter((c) => c.kind === 'removed').map((c) => c.id) };
  }

  /**
   * Marks calendars QUEUED (a running one stays SYNCING); `full` owes them a full sync. With `respectBackoff` (push
   * and polls), a calendar waiting for its retry (backoff, Retry-After) keeps its stage and is reported `deferred`:
   * its retry reads the changes. With `noticedAt` (a push notice received then), a calendar whose sync started at
   * least `marginMs` later is left alone: that sync reads the change. Returns the calendars asked for (not those
   * already covered), each saying whether a sync of it runs now.
   */
  async markQueued(calendarIds: readonly string[], opts: { full?: boolean; respectBackoff?: boolean; now?: Date; noticedAt?: Date; marginMs?: number } = {}): Promise<QueuedCalendar[]> {
    if (!calendarIds.length) return [];
    return rows<QueuedCalendar>(
      this.db,
      `WITH marked AS (
         SELECT provider_calendar_id AS id, stage AS prev_stage, coalesce($3 AND next_attempt_at > $4, false) AS deferred FROM calendar_sync_states
          WHERE provider_calendar_id = ANY($1::uuid[])
            -- a start long after the notice means the clocks disagree (or were set back): not trusted
            AND NOT coalesce(sync_started_at BETWEEN $5::timestamptz + make_interval(secs => $6::float8 / 1000) AND $5::timestamptz + interval '10 minutes', false)
          FOR UPDATE
       )
       UPDATE calendar_sync_states s SET stage = CASE WHEN s.stage = 'SYNCING' OR m.deferred THEN s.stage ELSE 'QUEUED' END,
              full_sync_requested = s.full_sync_requested + CASE WHEN $2 THEN 1 ELSE 0 END, updated_at = now()
         FROM marked m WHERE s.provider_calendar_id = m.id
       RETURNING s.provider_calendar_id AS id, m.prev_stage AS "previousStage", m.deferred, coalesce(s.lease_until > now(), false) AS running`,
      [calendarIds, opts.full === true, opts.respectBackoff === true, opts.now ?? new Date(), opts.noticedAt ?? null, opts.marginMs ?? 0],
    );
  }

  /**
   * The polls due at `now` (calendars idle or queued, of active connections), claimed: each one's next poll moves on
   * by its interval (with push or without), so a concurrent scan skips them and a poll whose job got lost comes due
   * again. Returns each calendar with the time its poll was due.
   */
  async claimDuePolls(now: Date, intervals: { pollSeconds: number; safetyPollSeconds: number }, limit: number): Promise<Array<{ id: string; dueAt: Date }>> {
    return rows(
      this.db,
      `WITH due AS (
         SELECT s.provider_calendar_id AS id, s.next_poll_at AS due_at FROM calendar_sync_states s JOIN connections c ON c.id = s.connection_id
          WHERE s.next_poll_at <= $1 AND s.stage IN ('IDLE', 'QUEUED') AND c.status = 'ACTIVE' AND c.pause_reason = 'NONE'
          ORDER BY s.next_poll_at LIMIT $4 FOR UPDATE OF s SKIP LOCKED
       )
       UPDATE calendar_sync_states s
          SET next_poll_at = $1::timestamptz + make_interval(secs => CASE WHEN EXISTS (
                SELECT 1 FROM push_channels ch WHERE ch.provider_calendar_id = s.provider_calendar_id AND ch.expires_at > $1) THEN $3::int ELSE $2::int END)
         FROM due WHERE s.provider_calendar_id = due.id
       RETURNING due.id, due.due_at AS "dueAt"`,
      [now, intervals.pollSeconds, intervals.safetyPollSeconds, limit],
    );
  }

  /** Push no longer covers these calendars: their next poll comes within the no-push interval. */
  async pollSoon(calendarIds: readonly string[], now: Date, pollSeconds: number): Promise<void> {
    if (!calendarIds.length) return;
    await this.db.query(
      `UPDATE calendar_sync_states SET next_poll_at = LEAST(next_poll_at, $2::timestamptz + make_interval(secs => $3::int)) WHERE provider_calendar_id = ANY($1::uuid[])`,
      [calendarIds, now, pollSeconds],
    );
  }

  /**
   * Work a worker may have left behind, of active connections: calendars left SYNCING (by a worker that died, or by
   * one still at work on another instance), with the seconds their lease still runs (0: run out), and calendars
   * whose retry is overdue by `overdueSeconds` with nobody holding them (a worker died between recording a failure
   * and enqueueing its retry). `expiredOnly`: only calendars nobody holds now.
   */
  async unfinished(now: Date, opts: { expiredOnly: boolean; overdueSeconds: number }): Promise<Array<{ id: string; stage: SyncStage; leaseLeftSeconds: number }>> {
    return rows(
      this.db,
      `SELECT s.provider_calendar_id AS id, s.stage, GREATEST(0, coalesce(EXTRACT(EPOCH FROM s.lease_until - now()), 0))::float8 AS "leaseLeftSeconds"
         FROM calendar_sync_states s JOIN connections c ON c.id = s.connection_id
        WHERE c.status = 'ACTIVE' AND c.pause_reason = 'NONE'
          AND CASE WHEN s.stage = 'SYNCING' THEN NOT $2 OR coalesce(s.lease_until <= now(), true)
                   WHEN s.stage IN ('BACKOFF', 'ERROR') THEN s.next_attempt_at <= $1::timestamptz - make_interval(secs => $3) AND coalesce(s.lease_until <= now(), true)
                   ELSE false END`,
      [now, opts.expiredOnly, opts.overdueSeconds],
    );
  }

  /** The selected calendars of a connection. */
  async calendarsOf(connectionId: string): Promise<string[]> {
    return (await rows<{ id: string }>(this.db, `SELECT provider_calendar_id AS id FROM calendar_sync_states WHERE connection_id = $1`, [connectionId])).map((r) => r.id);
  }

  async stagesOf(connectionId: string): Promise<Array<{ stage: SyncStage; lastError: string | null; lastSyncedAt: Date | null }>> {
    return rows(
      this.db,
      `SELECT stage, last_error AS "lastError", GREATEST(last_full_sync_at, last_incremental_sync_at) AS "lastSyncedAt" FROM calendar_sync_states WHERE connection_id = $1`,
      [connectionId],
    );
  }

  /** Takes the calendar's lease unless another worker holds it (a lease past its time is free); the sync starts `now`. */
  async claim(calendarId: string, holder: string, ttlSeconds: number, now: Date = new Date()): Promise<ClaimResult> {
    const [state] = await rows<CalendarSyncState>(
      this.db,
      `WITH claimed AS (
         UPDATE calendar_sync_states SET lease_owner = $2, lease_until = now() + make_interval(secs => $3), sync_started_at = $4
          WHERE provider_calendar_id = $1 AND (lease_until IS NULL OR lease_until <= now()) RETURNING *
       )
       SELECT ${COLUMNS} FROM claimed s JOIN provider_calendars pc ON pc.id = s.provider_calendar_id`,
      [calendarId, holder, ttlSeconds, now],
    );
    if (state) return { kind: 'claimed', state };
    const [exists] = await rows(this.db, `SELECT 1 FROM calendar_sync_states WHERE provider_calendar_id = $1`, [calendarId]);
    return exists ? { kind: 'busy' } : { kind: 'gone' };
  }

  /**
   * Inside a write transaction: extends the lease and locks the calendar and its state row until commit (so the
   * calendar cannot be deselected or deleted half-way through the write). False when the lease is no longer
   * ours or the row is gone.
   */
  async holdForWrite(calendarId: string, holder: string, ttlSeconds: number): Promise<boolean> {
    // The calendar row first, as every path that deletes calendars locks it first: one order, no deadlock.
    const calendar = await rows(this.db, `SELECT 1 FROM provider_calendars WHERE id = $1 FOR KEY SHARE`, [calendarId]);
    if (!calendar.length) return false;
    const held = await rows(
      this.db,
      `UPDATE calendar_sync_states SET lease_until = now() + make_interval(secs => $3) WHERE provider_calendar_id = $1 AND lease_owner = $2 RETURNING 1`,
      [calendarId, holder, ttlSeconds],
    );
    return held.length > 0;
  }

  /** A full sync starts: a new generation marks the rows it sees. */
  async nextGeneration(calendarId: string, holder: string): Promise<number | null> {
    const [row] = await rows<{ generation: number }>(
      this.db,
      `UPDATE calendar_sync_states SET generation = generation + 1 WHERE provider_calendar_id = $1 AND lease_owner = $2 RETURNING generation::int AS generation`,
      [calendarId, holder],
    );
    return row?.generation ?? null;
  }

  /** Stores a sync's outcome (while the lease is ours). */
  async update(calendarId: string, holder: string, u: SyncStateUpdate): Promise<boolean> {
    const sets: string[] = [];
    const params: unknown[] = [calendarId, holder];
    const set = (column: string, value: unknown) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    if (u.stage !== undefined) set('stage', u.stage);
    if (u.consecutiveFailures !== undefined) set('consecutive_failures', u.consecutiveFailures);
    if (u.nextAttemptAt !== undefined) set('next_attempt_at', u.nextAttemptAt);
    if (u.nextPollAt !== undefined) set('next_poll_at', u.nextPollAt);
    if (u.lastError !== undefined) set('last_error', u.lastError);
    if (u.lastFullSyncAt !== undefined) set('last_full_sync_at', u.lastFullSyncAt);
    if (u.lastIncrementalSyncAt !== undefined) set('last_incremental_sync_at', u.lastIncrementalSyncAt);
    if (u.cursor !== undefined) set('cursor', u.cursor);
    if (u.windowStart !== undefined) set('window_start', u.windowStart);
    if (u.windowEnd !== undefined) set('window_end', u.windowEnd);
    if (u.fullSyncDone !== undefined) set('full_sync_done', u.fullSyncDone);
    const stored = await rows(
      this.db,
      `UPDATE calendar_sync_states SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE provider_calendar_id = $1 AND lease_owner = $2 RETURNING 1`,
      params,
    );
    return stored.length > 0;
  }

  async release(calendarId: string, holder: string): Promise<void> {
    await this.db.query(`UPDATE calendar_sync_states SET lease_owner = NULL, lease_until = NULL WHERE provider_calendar_id = $1 AND lease_owner = $2`, [calendarId, holder]);
  }

  /**
   * Before deleting calendars (disconnect, calendar list): their rows are locked first, after any sync write of
   * theirs in progress, in the order sync writes lock them.
   */
  async lockCalendarsOfConnection(connectionId: string, exceptExternalIds?: readonly string[]): Promise<void> {
    await this.db.query(
      `SELECT 1 FROM provider_calendars WHERE connection_id = $1 AND ($2::text[] IS NULL OR NOT (external_id = ANY($2::text[]))) ORDER BY id FOR UPDATE`,
      [connectionId, exceptExternalIds ?? null],
    );
  }

  /** Stage of calendars without taking the lease (pausing a connection's calendars). */
  async setStageOfConnection(connectionId: string, stage: SyncStage): Promise<void> {
    await this.db.query(`UPDATE calendar_sync_states SET stage = $2, updated_at = now() WHERE connection_id = $1`, [connectionId, stage]);
  }

  /** Per calendar: when it was last brought up to date, and whether push covers it. */
  async calendarStatus(calendarIds: readonly string[]): Promise<Array<{ id: string; lastSyncedAt: Date | null; pushActive: boolean }>> {
    if (!calendarIds.length) return [];
    return rows(
      this.db,
      `SELECT pc.id, GREATEST(s.last_full_sync_at, s.last_incremental_sync_at) AS "lastSyncedAt",
              EXISTS (SELECT 1 FROM push_channels ch WHERE ch.provider_calendar_id = pc.id AND ch.expires_at > now()) AS "pushActive"
         FROM provider_calendars pc LEFT JOIN calendar_sync_states s ON s.provider_calendar_id = pc.id
        WHERE pc.id = ANY($1::uuid[])`,
      [calendarIds],
    );
  }
}
