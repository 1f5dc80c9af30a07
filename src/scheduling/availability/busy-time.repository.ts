import { DataSource } from 'typeorm';
import { BusyInterval, BusyTimeQuery, BusyTimeRepository } from './busy-time';
import { IntervalUnion } from './interval-union';

interface BusyRow {
  user_id: string;
  /** An appointment row: its occupied range. */
  start: number | null;
  end: number | null;
  cap_start: number | null;
  /** An events row: the blocking events of one of the member's conflict calendars, packed "start,end,..." in epoch ms ('' for none). */
  events: string | null;
}

/** A timestamptz as epoch milliseconds (float8 reaches JavaScript as a number, far cheaper than a Date). */
const epochMs = (expr: string) => `(extract(epoch FROM ${expr}) * 1000)::float8`;

/** Ranges as a tstzmultirange literal. */
function multirange(spans: IntervalUnion): string {
  const parts: string[] = [];
  for (let i = 0; i < spans.length; i += 2) parts.push(`[${new Date(spans[i]).toISOString()},${new Date(spans[i + 1]).toISOString()})`);
  return `{${parts.join(',')}}`;
}

/**
 * Busy time from PostgreSQL, one statement per group of members (see memberGroups):
 * - confirmed appointments anywhere in the service (their participants' occupied ranges; the exclusion
 *   constraint's GiST index on (user_id, occupied) serves the lookup);
 * - blocking third-party events (BUSY, OUT_OF_OFFICE, UNKNOWN, and TENTATIVE when the agency counts it) synced
 *   from the members' conflict calendars in the calendar's location, of the calendar's supported providers.
 *   The service's own events (an appointment's provider event, known by the key it was written with) are not
 *   third-party time: the appointment itself already counts, and it must never block its own reschedule.
 *
 * Events are read per conflict calendar through the GiST index on (provider_calendar_id, tstzrange(start, end)),
 * only where they overlap the spans asked about, and come back as one packed text per calendar: thousands of rows
 * would cost more to decode than to find. A calendar's events carry its connection's location and user (the sync
 * writes them so), hence the connection must be the member's own in this location.
 */
export class SqlBusyTimeRepository implements BusyTimeRepository {
  constructor(private readonly ds: DataSource) {}

  async busyTimes(query: BusyTimeQuery): Promise<Map<string, BusyInterval[]>> {
    const out = new Map<string, BusyInterval[]>(query.userIds.map((id) => [id, []]));
    if (!query.userIds.length) return out;
    const spans = multirange(query.eventSpans ?? Float64Array.of(query.from.getTime(), query.to.getTime()));
    // A big team is read by a few statements at once, one per group of members: PostgreSQL runs them on as many
    // backends (cores), and the request waits for the slowest part instead of the sum.
    const parts = await Promise.all(memberGroups(query.userIds).map((userIds) => this.read({ ...query, userIds }, spans)));
    for (const r of parts.flat()) {
      const busy = out.get(r.user_id)!;
      if (r.events !== null) {
        if (!r.events) continue; // a calendar without blocking events there
        const packed = r.events.split(',');
        for (let i = 0; i < packed.length; i += 2) busy.push({ kind: 'EVENT', start: Number(packed[i]), end: Number(packed[i + 1]) });
      } else {
        const appointment: BusyInterval = { kind: 'APPOINTMENT', start: r.start!, end: r.end! };
        if (r.cap_start !== null) appointment.capStart = r.cap_start;
        busy.push(appointment);
      }
    }
    return out;
  }

  /** These members' appointment rows, and one row per conflict calendar with its blocking events packed. */
  private read(query: BusyTimeQuery, spans: string): Promise<BusyRow[]> {
    return this.ds.query(
      `WITH cals AS MATERIALIZED (
         SELECT cc.user_id, cc.provider_calendar_id
           FROM conflict_calendars cc
           JOIN provider_calendars pc ON pc.id = cc.provider_calendar_id
           JOIN connections c ON c.id = pc.connection_id AND c.location_id = cc.location_id AND c.user_id = cc.user_id AND c.provider = ANY($7::text[])
          WHERE cc.location_id = $6 AND cc.user_id = ANY($1::uuid[]))
       SELECT p.user_id, ${epochMs('lower(p.occupied)')} AS start, ${epochMs('upper(p.occupied)')} AS "end",
              CASE WHEN p.calendar_id = $5 THEN ${epochMs('p.start_time')} END AS cap_start, NULL AS events
         FROM appointment_participants p
        WHERE p.user_id = ANY($1::uuid[]) AND p.status = 'CONFIRMED' AND p.occupied && tstzrange($2, $3)
          AND ($4::uuid IS NULL OR p.appointment_id <> $4::uuid)
       UNION ALL
       SELECT cals.user_id, NULL, NULL, NULL,
              (SELECT coalesce(string_agg((date_part('epoch', e.start_time) * 1000) || ',' || (date_part('epoch', e.end_time) * 1000), ','), '')
                 FROM external_events e
                WHERE e.provider_calendar_id = cals.provider_calendar_id
                  AND tstzrange(e.start_time, e.end_time) && $8::tstzmultirange
                  AND (e.availability IN ('BUSY', 'OUT_OF_OFFICE', 'UNKNOWN')
                       OR (e.availability = 'TENTATIVE' AND (SELECT a.count_tentative_as_busy FROM locations l JOIN agencies a ON a.id = l.agency_id WHERE l.id = $6)))
                  AND (e.client_key IS NULL OR NOT EXISTS (SELECT 1 FROM appointment_writes w WHERE w.idempotency_key = e.client_key)))
         FROM cals`,
      [query.userIds, query.from, query.to, query.excludeAppointmentId ?? null, query.calendarId, query.locationId, query.providers, spans],
    );
  }
}

/** Members per statement, and statements per read at most (a pool connection each). */
const GROUP_MEMBERS = 8;
const MAX_GROUPS = 3;

/** The members in up to MAX_GROUPS groups of at least GROUP_MEMBERS (one group for a small team). */
export function memberGroups(userIds: readonly string[]): string[][] {
  const groups = Math.max(1, Math.min(MAX_GROUPS, Math.floor(userIds.length / GROUP_MEMBERS)));
  const size = Math.ceil(userIds.length / groups);
  const out: string[][] = [];
  for (let i = 0; i < userIds.length; i += size) out.push(userIds.slice(i, i + size));
  return out;
}
