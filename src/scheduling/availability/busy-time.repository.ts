import { DataSource } from 'typeorm';
import { BusyInterval, BusyTimeQuery, BusyTimeRepository } from './busy-time';

interface BusyRow {
  user_id: string;
  kind: 'APPOINTMENT' | 'EVENT';
  start: number;
  end: number;
  cap_start: number | null;
}

/** A timestamptz as epoch milliseconds (float8 reaches JavaScript as a number, far cheaper than a Date). */
const epochMs = (expr: string) => `(extract(epoch FROM ${expr}) * 1000)::float8`;

/**
 * Busy time from PostgreSQL, in one statement:
 * - confirmed appointments anywhere in the service (their participants' occupied ranges; the exclusion
 *   constraint's GiST index on (user_id, occupied) serves the lookup);
 * - blocking third-party events (BUSY, OUT_OF_OFFICE, UNKNOWN, and TENTATIVE when the agency counts it) synced
 *   from the members' conflict calendars in the calendar's location, of the calendar's supported providers.
 *   The service's own events (an appointment's provider event, known by the key it was written with) are not
 *   third-party time: the appointment itself already counts, and it must never block its own reschedule.
 */
export class SqlBusyTimeRepository implements BusyTimeRepository {
  constructor(private readonly ds: DataSource) {}

  async busyTimes(query: BusyTimeQuery): Promise<Map<string, BusyInterval[]>> {
    const out = new Map<string, BusyInterval[]>(query.userIds.map((id) => [id, []]));
    if (!query.userIds.length) return out;
    const rows: BusyRow[] = await this.ds.query(
      `SELECT p.user_id, 'APPOINTMENT' AS kind, ${epochMs('lower(p.occupied)')} AS start, ${epochMs('upper(p.occupied)')} AS "end",
              CASE WHEN p.calendar_id = $5 THEN ${epochMs('p.start_time')} END AS cap_start
         FROM appointment_participants p
        WHERE p.user_id = ANY($1::uuid[]) AND p.status = 'CONFIRMED' AND p.occupied && tstzrange($2, $3)
          AND ($4::uuid IS NULL OR p.appointment_id <> $4::uuid)
       UNION ALL
       SELECT e.user_id, 'EVENT', ${epochMs('e.start_time')}, ${epochMs('e.end_time')}, NULL
         FROM external_events e
         JOIN conflict_calendars cc ON cc.location_id = $6 AND cc.user_id = e.user_id AND cc.provider_calendar_id = e.provider_calendar_id
         JOIN provider_calendars pc ON pc.id = e.provider_calendar_id
         JOIN connections c ON c.id = pc.connection_id AND c.provider = ANY($7::text[])
        WHERE e.location_id = $6 AND e.user_id = ANY($1::uuid[]) AND e.start_time < $3 AND e.end_time > $2
          AND (e.availability IN ('BUSY', 'OUT_OF_OFFICE', 'UNKNOWN')
               OR (e.availability = 'TENTATIVE' AND (SELECT a.count_tentative_as_busy FROM locations l JOIN agencies a ON a.id = l.agency_id WHERE l.id = $6)))
          AND (e.client_key IS NULL OR NOT EXISTS (SELECT 1 FROM appointment_writes w WHERE w.idempotency_key = e.client_key))`,
      [query.userIds, query.from, query.to, query.excludeAppointmentId ?? null, query.calendarId, query.locationId, query.providers],
    );
    for (const r of rows) {
      const busy: BusyInterval = { kind: r.kind, start: r.start, end: r.end };
      if (r.cap_start !== null) busy.capStart = r.cap_start;
      out.get(r.user_id)!.push(busy);
    }
    return out;
  }
}
