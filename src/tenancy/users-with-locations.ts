import { DataSource, EntityManager } from 'typeorm';
import { User } from './user.entity';
import { userFromRow } from './user-row';

export interface UserWithLocations {
  user: User;
  /** The locations the user was added to (location_members); membership itself is access-policy's isLocationMember. */
  locationIds: string[];
}

/** Users with the locations they were added to, in one query; ids that do not exist are absent. */
export async function loadUsersWithLocations(db: DataSource | EntityManager, ids: readonly string[]): Promise<Map<string, UserWithLocations>> {
  if (!ids.length) return new Map();
  const rows: Array<Record<string, unknown>> = await db.query(
    `SELECT u.id, u.agency_id, u.email, u.name, u.type, u.role, u.active, u.created_at,
            ARRAY(SELECT m.location_id FROM location_members m WHERE m.user_id = u.id) AS location_ids
       FROM users u WHERE u.id = ANY($1)`,
    [ids],
  );
  return new Map(rows.map((r) => [r.id as string, { user: userFromRow(r), locationIds: r.location_ids as string[] }]));
}
