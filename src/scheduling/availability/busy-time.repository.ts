import { DataSource } from 'typeorm';
import { BusyInterval, BusyTimeQuery, BusyTimeRepository } from './busy-time';

interface AppointmentRow {
  user_id: string;
  start: Date;
  end: Date;
  calendar_id: string;
  start_time: Date;
}

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
      `SELECT p.user_id, lower(p.occupied) AS start, upper(p.occupied) AS "end", p.calendar_id, p.start_time
         FROM appointment_participants p
        WHERE p.user_id = ANY($1::uuid[]) AND p.status = 'CONFIRMED' AND p.occupied && tstzrange($2, $3)
          AND ($4::uuid IS NULL OR p.appointment_id <> $4::uuid)`,
      [query.userIds, query.from, query.to, query.excludeAppointmentId ?? null],
    );
    for (const r of rows) out.get(r.user_id)!.push({ kind: 'APPOINTMENT', start: r.start, end: r.end, calendarId: r.calendar_id, startsAt: r.start_time });
    return out;
  }
}
