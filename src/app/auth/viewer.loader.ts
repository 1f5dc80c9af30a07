import { DataSource } from 'typeorm';
import { loadUsersWithLocations } from '../../tenancy/users-with-locations';
import { SERVICE_SUBJECT, PROVISIONING_SCOPE, TokenClaims } from './jwt';
import { Viewer } from './viewer';
import { isUuid } from '../validation/ids';

/** Resolves verified claims into a Viewer; null when the user is unknown or deactivated. */
export async function loadViewer(ds: DataSource, claims: TokenClaims): Promise<Viewer | null> {
  if (claims.sub === SERVICE_SUBJECT) return claims.scope === PROVISIONING_SCOPE ? { kind: 'service' } : null;
  if (!isUuid(claims.sub)) return null;
  return (await loadUserViewers(ds, [claims.sub])).get(claims.sub) ?? null;
}

/** Users as viewers, in one query; a user unknown or deactivated maps to null (ids that are not uuids too). */
export async function loadUserViewers(ds: DataSource, userIds: readonly string[]): Promise<Map<string, Viewer | null>> {
  const found = await loadUsersWithLocations(ds, userIds.filter(isUuid));
  return new Map(
    userIds.map((id): [string, Viewer | null] => {
      const f = found.get(id);
      return [id, f && f.user.active ? { kind: 'user', user: f.user, locationIds: new Set(f.locationIds) } : null];
    }),
  );
}
