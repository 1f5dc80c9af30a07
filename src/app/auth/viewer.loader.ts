import { DataSource } from 'typeorm';
import { loadUsersWithLocations } from '../../tenancy/users-with-locations';
import { SERVICE_SUBJECT, PROVISIONING_SCOPE, TokenClaims } from './jwt';
import { Viewer } from './viewer';
import { isUuid } from '../validation/ids';

/** Resolves verified claims into a Viewer; null when the user is unknown or deactivated. */
export async function loadViewer(ds: DataSource, claims: TokenClaims): Promise<Viewer | null> {
  if (claims.sub === SERVICE_SUBJECT) return claims.scope === PROVISIONING_SCOPE ? { kind: 'service' } : null;
  if (!isUuid(claims.sub)) return null;
  const found = (await loadUsersWithLocations(ds, [claims.sub])).get(claims.sub);
  if (!found || !found.user.active) return null;
  return { kind: 'user', user: found.user, locationIds: new Set(found.locationIds) };
}
