import { DataSource } from 'typeorm';

// Direct inserts for test set-up: fast, and independent of the API under test.

export interface World {
  agencyId: string;
  locA: string;
  locB: string;
  agencyAdmin: string;
  agencyUser: string;
  accountAdminA: string;
  accountUserA: string;
  accountUserB: string;
  calendarA: string;
  calendarB: string;
  otherAgencyId: string;
  otherLoc: string;
  otherAdmin: string;
  otherUser: string;
  otherCalendar: string;
}

let seq = 0;
const uniq = () => `${Date.now().toString(36)}${(seq++).toString(36)}`;

export async function insertAgency(ds: DataSource, plan = 'AGENCY_PRO', name = `Agency ${uniq()}`): Promise<string> {
  const [{ id }] = await ds.query(`INSERT INTO agencies (name, plan_code) VALUES ($1, $2) RETURNING id`, [name, plan]);
  return id;
}

export async function insertLocation(ds: DataSource, agencyId: string, name = `Location ${uniq()}`, tz = 'America/New_York'): Promise<string> {
  const [{ id }] = await ds.query(`INSERT INTO locations (agency_id, name, timezone) VALUES ($1, $2, $3) RETURNING id`, [agencyId, name, tz]);
  return id;
}

export async function insertUser(
  ds: DataSource,
  agencyId: string,
  type: 'AGENCY' | 'ACCOUNT',
  role: 'ADMIN' | 'USER',
  locationIds: string[] = [],
  email = `${type.toLowerCase()}.${role.toLowerCase()}.${uniq()}@example.test`,
): Promise<string> {
  const [{ id }] = await ds.query(`INSERT INTO users (agency_id, email, name, type, role) VALUES ($1, $2, $3, $4, $5) RETURNING id`, [
    agencyId, email, `${type} ${role}`, type, role,
  ]);
  for (const loc of locationIds) await ds.query(`INSERT INTO location_members (location_id, user_id, agency_id) VALUES ($1, $2, $3)`, [loc, id, agencyId]);
  return id;
}

export async function insertCalendar(ds: DataSource, agencyId: string, locationId: string, memberIds: string[], type = 'ROUND_ROBIN', slot = 30): Promise<string> {
  const [{ id }] = await ds.query(
    `INSERT INTO calendars (agency_id, location_id, name, type, slot_duration_minutes) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [agencyId, locationId, `Calendar ${uniq()}`, type, slot],
  );
  for (const [i, userId] of memberIds.entries()) await ds.query(`INSERT INTO calendar_members (calendar_id, user_id, position) VALUES ($1, $2, $3)`, [id, userId, i]);
  return id;
}

/** Two locations of one agency with one user of each kind, plus a second agency: the tenancy matrix. */
export async function buildWorld(ds: DataSource): Promise<World> {
  const agencyId = await insertAgency(ds);
  const locA = await insertLocation(ds, agencyId, 'Location A');
  const locB = await insertLocation(ds, agencyId, 'Location B', 'Europe/Berlin');
  const agencyAdmin = await insertUser(ds, agencyId, 'AGENCY', 'ADMIN');
  const agencyUser = await insertUser(ds, agencyId, 'AGENCY', 'USER', [locA]);
  const accountAdminA = await insertUser(ds, agencyId, 'ACCOUNT', 'ADMIN', [locA]);
  const accountUserA = await insertUser(ds, agencyId, 'ACCOUNT', 'USER', [locA]);
  const accountUserB = await insertUser(ds, agencyId, 'ACCOUNT', 'USER', [locB]);
  const calendarA = await insertCalendar(ds, agencyId, locA, [accountUserA]);
  const calendarB = await insertCalendar(ds, agencyId, locB, [accountUserB]);
  const otherAgencyId = await insertAgency(ds);
  const otherLoc = await insertLocation(ds, otherAgencyId);
  const otherAdmin = await insertUser(ds, otherAgencyId, 'AGENCY', 'ADMIN');
  const otherUser = await insertUser(ds, otherAgencyId, 'ACCOUNT', 'USER', [otherLoc]);
  const otherCalendar = await insertCalendar(ds, otherAgencyId, otherLoc, [otherUser]);
  return { agencyId, locA, locB, agencyAdmin, agencyUser, accountAdminA, accountUserA, accountUserB, calendarA, calendarB, otherAgencyId, otherLoc, otherAdmin, otherUser, otherCalendar };
}
