import { DataSource } from 'typeorm';
import { BusyInterval, BusyTimeQuery, BusyTimeRepository } from './busy-time';

interface AppointmentRow {
  user_id: string;
  start: number;
  end: number;
  cap_start: number | null;
}

/** A timestamptz as epoch milliseconds (float8 reaches JavaScript as a number, far cheaper than a Date). */
const epochMs = (expr: string) => `(extract(epoch FROM ${expr}) * 1000)::float8`;

/**
 * Busy time from PostgreSQL: confirmed appointments anywhere in the service (their participants' occupied
 * ranges; the exclusion constraint's GiST index on (user_id, occupied) serves the lookup).
 */
export class SqlBusyTimeRepository implements BusyTimeRepository {
  constructor(private readonly ds: DataSource) {}

  async busyTimes(query: BusyTimeQuery): Promise<Map<string, BusyInterval[]>> {
    const out = new Map<string, BusyInterval[]>(query.userIds.map((id) => [id, []]));
    if (!query.userIds.length) return out;
    const rows: AppointmentRow[] = await this.ds.query(
      `SELECT p.user_id, ${epochMs('lower(p.occupied)')} AS start, ${epochMs('upper(p.occupied)')} AS "end",
              CASE WHEN p.calendar_id = $5 THEN ${epochMs('p.start_time')} END AS cap_start
         FROM appointment_participants p
        WHERE p.user_id = ANY($1::uuid[]) AND p.status = 'CONFIRMED' AND p.occupied && tstzrange($2, $3)
          AND ($4::uuid IS NULL OR p.appointment_id <> $4::uuid)`,
      [query.userIds, query.from, query.to, query.excludeAppointmentId ?? null, query.calendarId],
    );
    for (const r of rows) out.get(r.user_id)!.push(r.cap_start === null ? { kind: 'APPOINTMENT', start: r.start, end: r.end } : { kind: 'APPOINTMENT', start: r.start, end: r.end, capStart: r.cap_start });
    return out;
  }
}
