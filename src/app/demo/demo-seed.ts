import { DataSource } from 'typeorm';
import { CalendarType } from '../../scheduling/calendar-type.enum';

export const DEMO_AGENCY_NAME = 'Demo Agency';

export interface DemoUser {
  id: string;
  email: string;
  name: string;
  label: string;
}

const USERS = [
  { key: 'agencyAdmin', email: 'agency.admin@demo.calbridge.test', name: 'Ava Agency-Admin', type: 'AGENCY', role: 'ADMIN', label: 'agency admin' },
  { key: 'accountAdmin', email: 'account.admin@demo.calbridge.test', name: 'Adam Account-Admin', type: 'ACCOUNT', role: 'ADMIN', label: 'account admin (Downtown Clinic)' },
  { key: 'userOne', email: 'sam.staff@demo.calbridge.test', name: 'Sam Staff', type: 'ACCOUNT', role: 'USER', label: 'account user (Downtown Clinic)' },
  { key: 'userTwo', email: 'rita.staff@demo.calbridge.test', name: 'Rita Staff', type: 'ACCOUNT', role: 'USER', label: 'account user (Downtown Clinic, Uptown Studio)' },
] as const;

/** Seeds the demo agency once (idempotent): returns its users whether just created or already there. */
export async function seedDemo(ds: DataSource): Promise<{ created: boolean; users: DemoUser[] }> {
  return ds.transaction(async (tx) => {
    const existing: Array<{ id: string }> = await tx.query(`SELECT id FROM agencies WHERE name = $1 ORDER BY created_at LIMIT 1`, [DEMO_AGENCY_NAME]);
    let agencyId = existing[0]?.id;
    const created = !agencyId;
    if (!agencyId) {
      [{ id: agencyId }] = await tx.query(`INSERT INTO agencies (name, plan_code) VALUES ($1, 'AGENCY_PRO') RETURNING id`, [DEMO_AGENCY_NAME]);
      const [{ id: downtown }] = await tx.query(`INSERT INTO locations (agency_id, name, timezone) VALUES ($1, 'Downtown Clinic', 'America/New_York') RETURNING id`, [agencyId]);
      const [{ id: uptown }] = await tx.query(`INSERT INTO locations (agency_id, name, timezone) VALUES ($1, 'Uptown Studio', 'Europe/London') RETURNING id`, [agencyId]);
      const ids: Record<string, string> = {};
      for (const u of USERS) {
        [{ id: ids[u.key] }] = await tx.query(`INSERT INTO users (agency_id, email, name, type, role) VALUES ($1, $2, $3, $4, $5) RETURNING id`, [agencyId, u.email, u.name, u.type, u.role]);
      }
      const members: Array<[string, string]> = [
        [downtown, ids.accountAdmin], [downtown, ids.userOne], [downtown, ids.userTwo], [uptown, ids.userTwo],
      ];
      for (const [loc, user] of members) await tx.query(`INSERT INTO location_members (location_id, user_id, agency_id) VALUES ($1, $2, $3)`, [loc, user, agencyId]);
      const calendars: Array<[string, CalendarType, string[], number]> = [
        ['Discovery Call (round robin)', CalendarType.ROUND_ROBIN, [ids.userOne, ids.userTwo], 30],
        ['Team Consultation (collective)', CalendarType.COLLECTIVE, [ids.userOne, ids.userTwo], 60],
        ['Teeth Cleaning (service)', CalendarType.SERVICE, [ids.userOne, ids.userTwo], 45],
        ["Sam's Meetings (personal)", CalendarType.PERSONAL, [ids.userOne], 30],
        ['Open House (event)', CalendarType.EVENT, [ids.accountAdmin], 60],
      ];
      for (const [name, type, memberIds, slot] of calendars) {
        const [{ id: calId }] = await tx.query(
          `INSERT INTO calendars (agency_id, location_id, name, type, slot_duration_minutes) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
          [agencyId, downtown, name, type, slot],
        );
        for (const [position, userId] of memberIds.entries()) {
          await tx.query(`INSERT INTO calendar_members (calendar_id, user_id, position) VALUES ($1, $2, $3)`, [calId, userId, position]);
        }
      }
    }
    const rows: Array<{ id: string; email: string; name: string }> = await tx.query(`SELECT id, email, name FROM users WHERE agency_id = $1 ORDER BY created_at`, [agencyId]);
    const users = rows.map((r) => ({ ...r, label: USERS.find((u) => u.email === r.email)?.label ?? 'user' }));
    return { created, users };
  });
}
