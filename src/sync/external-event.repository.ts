import { DataSource, EntityManager } from 'typeorm';
import { rows } from '../app/database/sql';
import type { EventAvailability, NormalizedEvent } from '../providers/calendar-provider';
import type { EventChange } from './change-range';

/** The calendar events are written for, with the user and location they count against. */
export interface CalendarOwner {
  calendarId: string;
  locationId: string;
  userId: string;
}

export interface ExternalEventRow {
  id: string;
  provider_calendar_id: string;
  user_id: string;
  title: string | null;
  start_time: Date;
  end_time: Date;
  is_all_day: boolean;
  availability: EventAvailability;
  client_key: string | null;
}

interface ChangeRow {
  old_start: Date | null;
  old_end: Date | null;
  old_availability: EventAvailability | null;
  new_start: Date | null;
  new_end: Date | null;
  new_availability: EventAvailability | null;
}

const toChange = (r: ChangeRow): EventChange => ({
  old: r.old_start ? { start: r.old_start, end: r.old_end!, availability: r.old_availability! } : null,
  new: r.new_start ? { start: r.new_start, end: r.new_end!, availability: r.new_availability! } : null,
});

// The batch as one set of rows: one array parameter per column (already without duplicates).
const INPUT = `input AS (
    SELECT * FROM unnest($5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::timestamptz[], $10::boolean[], $11::text[], $12::text[], $13::text[])
      AS i (external_id, series_external_id, title, start_time, end_time, is_all_day, availability, version, client_key))`;

// Content and mark written; a row whose content and generation are unchanged is not touched.
const WRITE = `INSERT INTO external_events AS e
         (provider_calendar_id, location_id, user_id, external_id, series_external_id, title, start_time, end_time, is_all_day, availability, version, client_key, generation)
  SELECT $1, $2, $3, external_id, series_external_id, title, start_time, end_time, is_all_day, availability, version, client_key, $4 FROM input
  ON CONFLICT (provider_calendar_id, external_id) DO UPDATE SET
         series_external_id = EXCLUDED.series_external_id, title = EXCLUDED.title, start_time = EXCLUDED.start_time, end_time = EXCLUDED.end_time,
         is_all_day = EXCLUDED.is_all_day, availability = EXCLUDED.availability, version = EXCLUDED.version, client_key = EXCLUDED.client_key,
         generation = EXCLUDED.generation, updated_at = now()
   WHERE (e.series_external_id, e.title, e.start_time, e.end_time, e.is_all_day, e.availability, e.version, e.client_key, e.generation)
         IS DISTINCT FROM (EXCLUDED.series_external_id, EXCLUDED.title, EXCLUDED.start_time, EXCLUDED.end_time, EXCLUDED.is_all_day, EXCLUDED.availability, EXCLUDED.version, EXCLUDED.client_key, EXCLUDED.generation)`;

/** With change detection: the old row of each input event (all CTEs see the statement's snapshot, before the write). */
const UPSERT = `WITH ${INPUT}, old AS (
    -- One unique-index lookup per input row (LIMIT keeps it a nested loop): a join on the calendar could be
    -- planned, with the stale statistics of a big first sync, as a read of all its rows for every batch.
    SELECT o.* FROM input i CROSS JOIN LATERAL (
      SELECT e.external_id, e.title, e.start_time, e.end_time, e.is_all_day, e.availability
        FROM external_events e WHERE e.provider_calendar_id = $1 AND e.external_id = i.external_id LIMIT 1) o
  ), written AS (
    ${WRITE}
    RETURNING e.external_id, e.title, e.start_time, e.end_time, e.is_all_day, e.availability
  )
  SELECT o.start_time AS old_start, o.end_time AS old_end, o.availability AS old_availability,
         w.start_time AS new_start, w.end_time AS new_end, w.availability AS new_availability
    FROM written w LEFT JOIN old o ON o.external_id = w.external_id
   WHERE o.external_id IS NULL
      OR (o.title, o.start_time, o.end_time, o.is_all_day, o.availability) IS DISTINCT FROM (w.title, w.start_time, w.end_time, w.is_all_day, w.availability)`;

/** A calendar's first sync: every row is new, so nothing is looked up or returned (the caller knows the rows). */
const FRESH_UPSERT = `WITH ${INPUT}
  ${WRITE}`;

/** Array parameters for unnest: `{"…","…",NULL}` (quotes and backslashes escaped), built without pg's generic per-element path. */
const QUOTED = /[\\"]/;
function textArray(values: ReadonlyArray<string | null>): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ',';
    out += v === null ? 'NULL' : QUOTED.test(v) ? `"${v.replace(/[\\"]/g, '\\$&')}"` : `"${v}"`;
  }
  return `${out}}`;
}

/** The batch's columns as array parameters $5…$13, one element per event. */
function columns(events: readonly NormalizedEvent[]): string[] {
  const n = events.length;
  const ids = new Array<string>(n);
  const series = new Array<string | null>(n);
  const titles = new Array<string | null>(n);
  const starts = new Array<string>(n);
  const ends = new Array<string>(n);
  const allDay = new Array<string>(n);
  const availability = new Array<string>(n);
  const versions = new Array<string | null>(n);
  const clientKeys = new Array<string | null>(n);
  for (let i = 0; i < n; i++) {
    const e = events[i];
    ids[i] = e.externalId;
    series[i] = e.seriesExternalId;
    titles[i] = e.title;
    starts[i] = e.start.toISOString();
    ends[i] = e.end.toISOString();
    allDay[i] = e.isAllDay ? 't' : 'f';
    availability[i] = e.availability;
    versions[i] = e.version;
    clientKeys[i] = e.clientKey;
  }
  return [ids, series, titles, starts, ends, allDay, availability, versions, clientKeys].map(textArray);
}

/** The last version of each event (a batch may repeat one: Graph replays, removed and added again). */
function lastOfEach(events: readonly NormalizedEvent[]): NormalizedEvent[] {
  const byId = new Map<string, NormalizedEvent>();
  for (const e of events) byId.set(e.externalId, e);
  return byId.size === events.length ? [...events] : [...byId.values()];
}

const REMOVED = `RETURNING start_time AS old_start, end_time AS old_end, availability AS old_availability, NULL::timestamptz AS new_start, NULL::timestamptz AS new_end, NULL::text AS new_availability`;

/**
 * The SQL of synced third-party events: one row per occurrence. Writes are set-based (one statement per batch
 * whatever its size) and detect changes in SQL, returning only rows whose content really changed, with their
 * old and new times, so the sync can tell which time changed for availability.
 */
export class ExternalEventRepository {
  constructor(private readonly db: DataSource | EntityManager) {}

  /**
   * Inserts or updates a batch of events with `generation` (a full sync's mark). A batch may repeat an event
   * (Graph replays): the last one wins. Returns the content changes (title, times, all-day, availability). One
   * statement whatever the batch's size: the rows go in as array parameters (unnest), and one INSERT … ON CONFLICT
   * detects the changes. `fresh`: the calendar had no rows when this sync began (its first sync), so there are
   * no old times to look up, and every event of the batch is new (an event a later batch of the same sync repeats
   * is announced again, with its new times: the earlier batch announced its old ones).
   */
  async upsert(owner: CalendarOwner, events: readonly NormalizedEvent[], generation: number, opts: { fresh?: boolean } = {}): Promise<EventChange[]> {
    if (!events.length) return [];
    const batch = lastOfEach(events);
    const params = [owner.calendarId, owner.locationId, owner.userId, generation, ...columns(batch)];
    if (opts.fresh) {
      await this.db.query(FRESH_UPSERT, params);
      return batch.map((e) => ({ old: null, new: { start: e.start, end: e.end, availability: e.availability } }));
    }
    return (await rows<ChangeRow>(this.db, UPSERT, params)).map(toChange);
  }

  /** Before a sync reads: whether the calendar has stored events, and the database's clock (not the transaction's) now. */
  async beforeRead(calendarId: string): Promise<{ hasAny: boolean; at: Date }> {
    const [row] = await rows<{ hasAny: boolean; at: Date }>(
      this.db,
      `SELECT EXISTS (SELECT 1 FROM external_events WHERE provider_calendar_id = $1) AS "hasAny", clock_timestamp() AS at`,
      [calendarId],
    );
    return row;
  }

  /** Deletes these occurrences, and the occurrences of series with these ids (a series deleted at the provider). */
  async remove(calendarId: string, externalIds: readonly string[]): Promise<EventChange[]> {
    if (!externalIds.length) return [];
    const removed = await rows<ChangeRow>(
      this.db,
      `DELETE FROM external_events WHERE provider_calendar_id = $1 AND (external_id = ANY($2::text[]) OR series_external_id = ANY($2::text[])) ${REMOVED}`,
      [calendarId, externalIds],
    );
    return removed.map(toChange);
  }

  /** The end of a full sync: rows it did not see (an older generation) are gone at the provider. */
  async sweep(calendarId: string, generation: number): Promise<EventChange[]> {
    const removed = await rows<ChangeRow>(this.db, `DELETE FROM external_events WHERE provider_calendar_id = $1 AND generation < $2 ${REMOVED}`, [calendarId, generation]);
    return removed.map(toChange);
  }

  /** Events of the connection's calendars that are not selected any more (deselected, or the calendar is gone). */
  async removeUnselected(connectionId: string): Promise<EventChange[]> {
    const removed = await rows<ChangeRow>(
      this.db,
      `DELETE FROM external_events e USING provider_calendars pc
        WHERE pc.id = e.provider_calendar_id AND pc.connection_id = $1
          AND NOT EXISTS (SELECT 1 FROM calendar_sync_states s WHERE s.provider_calendar_id = pc.id)
       RETURNING e.start_time AS old_start, e.end_time AS old_end, e.availability AS old_availability,
                 NULL::timestamptz AS new_start, NULL::timestamptz AS new_end, NULL::text AS new_availability`,
      [connectionId],
    );
    return removed.map(toChange);
  }

  /** Events of the connection's calendars that the provider no longer lists (before those calendars' rows go). */
  async removeOfCalendarsNotListed(connectionId: string, listedExternalIds: readonly string[]): Promise<EventChange[]> {
    const removed = await rows<ChangeRow>(
      this.db,
      `DELETE FROM external_events e USING provider_calendars pc
        WHERE pc.id = e.provider_calendar_id AND pc.connection_id = $1 AND NOT (pc.external_id = ANY($2::text[]))
       RETURNING e.start_time AS old_start, e.end_time AS old_end, e.availability AS old_availability,
                 NULL::timestamptz AS new_start, NULL::timestamptz AS new_end, NULL::text AS new_availability`,
      [connectionId, listedExternalIds],
    );
    return removed.map(toChange);
  }

  /** Every event of the connection (a disconnect frees their time). */
  async removeOfConnection(connectionId: string): Promise<EventChange[]> {
    const removed = await rows<ChangeRow>(
      this.db,
      `DELETE FROM external_events e USING provider_calendars pc WHERE pc.id = e.provider_calendar_id AND pc.connection_id = $1
       RETURNING e.start_time AS old_start, e.end_time AS old_end, e.availability AS old_availability,
                 NULL::timestamptz AS new_start, NULL::timestamptz AS new_end, NULL::text AS new_availability`,
      [connectionId],
    );
    return removed.map(toChange);
  }

  /**
   * A user's third-party events in a location overlapping [from, to), in time order. The events the service wrote
   * for its appointments (their key is an appointment write's) are the appointments themselves, not third-party.
   */
  overlapping(locationId: string, userId: string, from: Date, to: Date): Promise<ExternalEventRow[]> {
    return rows<ExternalEventRow>(
      this.db,
      `SELECT e.id, e.provider_calendar_id, e.user_id, e.title, e.start_time, e.end_time, e.is_all_day, e.availability, e.client_key
         FROM external_events e
        WHERE e.location_id = $1 AND e.user_id = $2 AND e.start_time < $4 AND e.end_time > $3
          AND (e.client_key IS NULL OR NOT EXISTS (SELECT 1 FROM appointment_writes w WHERE w.idempotency_key = e.client_key))
        ORDER BY e.start_time, e.end_time, e.id`,
      [locationId, userId, from, to],
    );
  }
}
