import { DataSource } from 'typeorm';
import { User } from '../../tenancy/user.entity';
import { SERVICE_SUBJECT, PROVISIONING_SCOPE, TokenClaims } from './jwt';
import { Viewer } from './viewer';
import { isUuid } from '../validation/ids';

/** Resolves verified claims into a Viewer; null when the user is unknown or deactivated. */
export async function loadViewer(ds: DataSource, claims: TokenClaims): Promise<Viewer | null> {
  if (claims.sub === SERVICE_SUBJECT) return claims.scope === PROVISIONING_SCOPE ? { kind: 'service' } : null;
  if (!isUuid(claims.sub)) return null;
  const rows: Array<User & { location_ids: string[] }> = await ds.query(
    `SELECT u.id, u.agency_id AS "agencyId", u.email, u.name, u.type, u.role, u.active, u.created_at AS "createdAt",
            ARRAY(SELECT m.location_id FROM location_members m WHERE m.user_id = u.id) AS location_ids
       FROM users u WHERE u.id = $1`,
    [claims.sub],
  );
  const row = rows[0];
  if (!row || !row.active) return null;
  const { location_ids, ...fields } = row;
  const user = Object.assign(new User(), fields);
  return { kind: 'user', user, locationIds: new Set(location_ids) };
}
