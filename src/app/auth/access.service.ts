import { DataSource } from 'typeorm';
import { Agency } from '../../tenancy/agency.entity';
import { Location } from '../../tenancy/location.entity';
import { User } from '../../tenancy/user.entity';
import { userFromRow } from '../../tenancy/user-row';
import { Calendar } from '../../scheduling/calendar.entity';
import { forbidden, notFound } from '../errors/errors';
import { isUuid } from '../validation/ids';
import { canAdministerAgency, canManageLocation, canSeeAgency, canSeeLocation, canSeeUser } from './access-policy';
import { Viewer } from './viewer';

export type AgencyPermission = 'read' | 'administer';
export type LocationPermission = 'read' | 'manage' | 'administer';

export interface UserWithLocations {
  user: User;
  locationIds: string[];
}

/**
 * The one access helper: loads every id of a request in one query and checks it.
 * Order of checks: an id that does not exist or is invisible → NOT_FOUND; visible but not permitted → FORBIDDEN.
 */
export class AccessService {
  constructor(private readonly ds: DataSource) {}

  async requireAgency(viewer: Viewer, id: string, perm: AgencyPermission): Promise<Agency> {
    const agency = isUuid(id) ? await this.ds.getRepository(Agency).findOneBy({ id }) : null;
    if (!agency || !canSeeAgency(viewer, agency.id)) throw notFound('Agency', id);
    if (perm === 'administer' && !canAdministerAgency(viewer, agency.id)) throw forbidden('Only an agency admin may change agency settings');
    return agency;
  }

  async requireLocations(viewer: Viewer, ids: readonly string[], perm: LocationPermission): Promise<Map<string, Location>> {
    const unique = [...new Set(ids)];
    const rows = unique.every(isUuid) && unique.length ? await this.ds.getRepository(Location).createQueryBuilder('l').where('l.id = ANY(:ids)', { ids: unique }).getMany() : [];
    const byId = new Map(rows.map((l) => [l.id, l]));
    for (const id of unique) {
      const loc = byId.get(id);
      if (!loc || !canSeeLocation(viewer, loc)) throw notFound('Location', id);
    }
    for (const loc of byId.values()) {
      if (perm === 'manage' && !canManageLocation(viewer, loc)) throw forbidden('Only an admin of this location may do this');
      if (perm === 'administer' && !canAdministerAgency(viewer, loc.agencyId)) throw forbidden('Only an agency admin may do this');
    }
    return byId;
  }

  async requireLocation(viewer: Viewer, id: string, perm: LocationPermission): Promise<Location> {
    return (await this.requireLocations(viewer, [id], perm)).get(id)!;
  }

  async requireCalendar(viewer: Viewer, id: string, perm: 'read' | 'manage'): Promise<Calendar> {
    const cal = isUuid(id) ? await this.ds.getRepository(Calendar).findOneBy({ id }) : null;
    if (!cal || !canSeeLocation(viewer, { id: cal.locationId, agencyId: cal.agencyId })) throw notFound('Calendar', id);
    if (perm === 'manage' && !canManageLocation(viewer, { id: cal.locationId, agencyId: cal.agencyId })) throw forbidden('Only an admin of this location may edit its calendars');
    return cal;
  }

  /** Users (with all their location ids) that exist and are visible; the rest are simply absent. */
  async visibleUsers(viewer: Viewer, ids: readonly string[]): Promise<Map<string, UserWithLocations>> {
    const unique = [...new Set(ids)].filter(isUuid);
    if (!unique.length) return new Map();
    const rows: Array<Record<string, unknown>> = await this.ds.query(
      `SELECT u.id, u.agency_id, u.email, u.name, u.type, u.role, u.active, u.created_at,
              COALESCE(array_agg(m.location_id) FILTER (WHERE m.location_id IS NOT NULL), '{}') AS location_ids
         FROM users u LEFT JOIN location_members m ON m.user_id = u.id
        WHERE u.id = ANY($1) GROUP BY u.id`,
      [unique],
    );
    const result = new Map<string, UserWithLocations>();
    for (const r of rows) {
      const user = userFromRow(r);
      const locationIds = r.location_ids as string[];
      if (canSeeUser(viewer, user, locationIds)) result.set(user.id, { user, locationIds });
    }
    return result;
  }

  async requireUser(viewer: Viewer, id: string): Promise<UserWithLocations> {
    const found = (await this.visibleUsers(viewer, [id])).get(id);
    if (!found) throw notFound('User', id);
    return found;
  }
}
