import { DataSource } from 'typeorm';

// Appointments inserted directly (test set-up independent of the booking API).

export interface AppointmentFixture {
  calendarId: string;
  userIds: string[];
  start: Date;
  end: Date;
  bufferBeforeMinutes?: number;
  bufferAfterMinutes?: number;
  status?: 'CONFIRMED' | 'CANCELLED';
}

export async function insertAppointment(ds: DataSource, a: AppointmentFixture): Promise<string> {
  const before = a.bufferBeforeMinutes ?? 0;
  const after = a.bufferAfterMinutes ?? 0;
  const status = a.status ?? 'CONFIRMED';
  const [{ id }] = await ds.query(
    `INSERT INTO appointments (agency_id, location_id, calendar_id, assigned_user_id, title, start_time, end_time, buffer_before_minutes, buffer_after_minutes, meeting_provider, status)
     SELECT c.agency_id, c.location_id, c.id, $2, 'Fixture', $3, $4, $5, $6, 'NONE', $7 FROM calendars c WHERE c.id = $1 RETURNING id`,
    [a.calendarId, a.userIds[0], a.start, a.end, before, after, status],
  );
  for (const [position, userId] of a.userIds.entries()) {
    await ds.query(
      `INSERT INTO appointment_participants (appointment_id, user_id, position, calendar_id, start_time, status, occupied)
       VALUES ($1, $2, $3, $4, $5, $6, tstzrange($5::timestamptz - make_interval(mins => $7), $8::timestamptz + make_interval(mins => $9)))`,
      [id, userId, position, a.calendarId, a.start, status, before, a.end, after],
    );
  }
  return id;
}
