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

/** A connection of the user in the location with one writable calendar, chosen as their linked calendar. Returns its id. */
export async function insertLinkedCalendar(ds: DataSource, at: { agencyId: string; locationId: string; userId: string; provider?: 'OUTLOOK' | 'GOOGLE' }): Promise<string> {
  const provider = at.provider ?? 'GOOGLE';
  const external = `${provider}-${at.userId}-${at.locationId}`;
  await ds.query(`INSERT INTO provider_accounts (provider, external_id, user_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [provider, external, at.userId]);
  const [{ id: connectionId }] = await ds.query(
    `INSERT INTO connections (agency_id, location_id, user_id, provider, account_external_id, account_email, credentials)
     VALUES ($1, $2, $3, $4, $5, 'someone@example.test', 'sealed') RETURNING id`,
    [at.agencyId, at.locationId, at.userId, provider, external],
  );
  const [{ id }] = await ds.query(
    `INSERT INTO provider_calendars (connection_id, external_id, name, can_write, access, is_default) VALUES ($1, 'primary', 'Work', true, 'WRITE', true) RETURNING id`,
    [connectionId],
  );
  await ds.query(`INSERT INTO calendar_configurations (location_id, user_id, linked_calendar_id) VALUES ($1, $2, $3)`, [at.locationId, at.userId, id]);
  return id;
}

let calendarSeq = 0;

/** A calendar of the user's connection in the location (made if needed), chosen as one of their conflict calendars. Returns its id. */
export async function insertConflictCalendar(ds: DataSource, at: { agencyId: string; locationId: string; userId: string; provider?: 'OUTLOOK' | 'GOOGLE' }): Promise<string> {
  const provider = at.provider ?? 'GOOGLE';
  const external = `${provider}-${at.userId}-${at.locationId}`;
  await ds.query(`INSERT INTO provider_accounts (provider, external_id, user_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [provider, external, at.userId]);
  const [{ id: connectionId }] = await ds.query(
    `INSERT INTO connections (agency_id, location_id, user_id, provider, account_external_id, account_email, credentials)
     VALUES ($1, $2, $3, $4, $5, 'someone@example.test', 'sealed')
     ON CONFLICT (location_id, user_id, provider) DO UPDATE SET updated_at = now() RETURNING id`,
    [at.agencyId, at.locationId, at.userId, provider, external],
  );
  const [{ id }] = await ds.query(
    `INSERT INTO provider_calendars (connection_id, external_id, name, can_write, access, is_default) VALUES ($1, $2, 'Busy', true, 'WRITE', false) RETURNING id`,
    [connectionId, `conflict-${calendarSeq++}`],
  );
  await ds.query(`INSERT INTO calendar_configurations (location_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [at.locationId, at.userId]);
  await ds.query(`INSERT INTO conflict_calendars (location_id, user_id, provider_calendar_id) VALUES ($1, $2, $3)`, [at.locationId, at.userId, id]);
  return id;
}

let eventSeq = 0;

/** A synced third-party event of a provider calendar (as the sync engine stores it). */
export async function insertExternalEvent(
  ds: DataSource,
  e: { calendarId: string; start: Date; end: Date; availability?: string; clientKey?: string | null },
): Promise<void> {
  await ds.query(
    `INSERT INTO external_events (provider_calendar_id, location_id, user_id, external_id, title, start_time, end_time, is_all_day, availability, client_key, generation)
     SELECT pc.id, c.location_id, c.user_id, $2, 'Busy', $3, $4, false, $5, $6, 1
       FROM provider_calendars pc JOIN connections c ON c.id = pc.connection_id WHERE pc.id = $1`,
    [e.calendarId, `event-${eventSeq++}`, e.start, e.end, e.availability ?? 'BUSY', e.clientKey ?? null],
  );
}
