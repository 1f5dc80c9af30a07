import { DataSource } from 'typeorm';
import { Agency } from '../../tenancy/agency.entity';
import { Location } from '../../tenancy/location.entity';
import { User } from '../../tenancy/user.entity';
import { loadUsersWithLocations, UserWithLocations } from '../../tenancy/users-with-locations';
import { Calendar } from '../../scheduling/calendar.entity';
import { Connection } from '../../connections/connection.entity';
import { badInput, forbidden, notFound } from '../errors/errors';
import { isUuid } from '../validation/ids';
import {
  canActForUser,
  canActOnConnection,
  canAdministerAgency,
  canManageLocation,
  canSeeAgency,
  canSeeLocation,
  canSeeUser,
  isActiveMember,
  LocationRef,
  viewerIsMember,
} from './access-policy';
import { Viewer, viewerUserId } from './viewer';

export type { UserWithLocations } from '../../tenancy/users-with-locations';

export type AgencyPermission = 'read' | 'administer';
/** `member`: the viewer themselves is a member (connecting their own account there). */
export type LocationPermission = 'read' | 'member' | 'manage' | 'administer';

/** How a request names the user it is about (PRODUCT.md: `userId` defaults to the viewer). */
export interface TargetUserRule {
  /** FORBIDDEN message when the viewer may not act for another user in this location. */
  forbidden: string;
  /** The user must also be an active member of the location (else BAD_USER_INPUT naming userId). */
  member?: boolean;
}

const LOCATION_FORBIDDEN: Record<Exclude<LocationPermission, 'read'>, string> = {
  member: 'Only a member of this location may do this',
  manage: 'Only an admin of this location may do this',
  administer: 'Only an agency admin may do this',
};

/**
 * The one access helper: loads every id of a request in one query and checks it with the pure rules of
 * access-policy.ts. Order of checks: an id that does not exist or is invisible → NOT_FOUND; visible but not
 * permitted → FORBIDDEN. Ids inside an input (target users, members) → BAD_USER_INPUT naming the field.
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
      const allowed =
        perm === 'read' ||
        (perm === 'member' && viewerIsMember(viewer, loc)) ||
        (perm === 'manage' && canManageLocation(viewer, loc)) ||
        (perm === 'administer' && canAdministerAgency(viewer, loc.agencyId));
      if (!allowed) throw forbidden(LOCATION_FORBIDDEN[perm as Exclude<LocationPermission, 'read'>]);
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

  /** Connections the viewer may act on (their own, or in a location they manage); anything else → NOT_FOUND. One query. */
  async requireConnections(viewer: Viewer, ids: readonly string[]): Promise<Map<string, Connection>> {
    const unique = [...new Set(ids)];
    const rows = unique.length && unique.every(isUuid) ? await this.ds.getRepository(Connection).createQueryBuilder('c').where('c.id = ANY(:ids)', { ids: unique }).getMany() : [];
    const byId = new Map(rows.map((c) => [c.id, c]));
    for (const id of unique) {
      const conn = byId.get(id);
      if (!conn || !canActOnConnection(viewer, conn)) throw notFound('Connection', id);
    }
    return byId;
  }

  async requireConnection(viewer: Viewer, id: string): Promise<Connection> {
    return (await this.requireConnections(viewer, [id])).get(id)!;
  }

  /** Users with the locations they were added to, whoever asks; the ids that do not exist are absent. One query. */
  usersWithLocations(ids: readonly string[]): Promise<Map<string, UserWithLocations>> {
    return loadUsersWithLocations(this.ds, [...new Set(ids)].filter(isUuid));
  }

  /** Users (with all their location ids) that exist and are visible; the rest are simply absent. */
  async visibleUsers(viewer: Viewer, ids: readonly string[]): Promise<Map<string, UserWithLocations>> {
    const found = await this.usersWithLocations(ids);
    for (const [id, { user, locationIds }] of found) if (!canSeeUser(viewer, user, locationIds)) found.delete(id);
    return found;
  }

  async requireUser(viewer: Viewer, id: string): Promise<UserWithLocations> {
    const found = (await this.visibleUsers(viewer, [id])).get(id);
    if (!found) throw notFound('User', id);
    return found;
  }

  /** Of these users, the active members of the location (agency admins of its agency included). One query. */
  async activeMembers(loc: LocationRef, ids: readonly string[]): Promise<Map<string, User>> {
    return this.membersAmong(await this.usersWithLocations(ids), loc);
  }

  /** Every id must be an active member of the location; the first that is not → BAD_USER_INPUT naming `field`. */
  async requireActiveMembers(loc: LocationRef, ids: readonly string[], field: string, message: (id: string) => string): Promise<Map<string, User>> {
    return requireAll(ids, await this.activeMembers(loc, ids), field, message);
  }

  /** requireActiveMembers, where the viewer must also be able to see each of them (ids the viewer names to read about). */
  async requireVisibleMembers(viewer: Viewer, loc: LocationRef, ids: readonly string[], field: string, message: (id: string) => string): Promise<Map<string, User>> {
    return requireAll(ids, this.membersAmong(await this.visibleUsers(viewer, ids), loc), field, message);
  }

  private membersAmong(users: Map<string, UserWithLocations>, loc: LocationRef): Map<string, User> {
    const members = new Map<string, User>();
    for (const [id, { user, locationIds }] of users) if (isActiveMember(user, locationIds, loc)) members.set(id, user);
    return members;
  }

  /**
   * The user a request in this location is about: `userId`, or the viewer when it is absent. For another user
   * the viewer must manage the location (else FORBIDDEN, whoever the id names: a non-admin learns nothing about
   * it), and the user must be visible (else BAD_USER_INPUT); with `rule.member` the user must be an active
   * member there (else BAD_USER_INPUT). A malformed id is BAD_USER_INPUT first. Returns the user's id.
   */
  async requireTargetUser(viewer: Viewer, loc: LocationRef, userId: string | null | undefined, rule: TargetUserRule): Promise<string> {
    const targetId = userId ?? viewerUserId(viewer);
    if (!targetId) throw badInput('userId', 'the service token must name a user');
    await this.requireTargetUsers(viewer, loc, [targetId], rule);
    return targetId;
  }

  /** requireTargetUser for many users at once: one query, whatever their number. */
  async requireTargetUsers(viewer: Viewer, loc: LocationRef, ids: readonly string[], rule: TargetUserRule): Promise<void> {
    const self = viewerUserId(viewer);
    const others = [...new Set(ids)].filter((id) => id !== self);
    const malformed = others.find((id) => !isUuid(id));
    if (malformed) throw badInput('userId', `no user ${malformed} that you can see`);
    if (others.some((id) => !canActForUser(viewer, loc, id))) throw forbidden(rule.forbidden);
    const found = others.length ? await this.visibleUsers(viewer, others) : new Map<string, UserWithLocations>();
    const invisible = others.find((id) => !found.has(id));
    if (invisible) throw badInput('userId', `no user ${invisible} that you can see`);
    if (!rule.member) return;
    for (const id of ids) {
      const member = id === self ? viewerIsMember(viewer, loc) : isActiveMember(found.get(id)!.user, found.get(id)!.locationIds, loc);
      if (!member) throw badInput('userId', `user ${id} is not a member of this location`);
    }
  }
}

function requireAll<T>(ids: readonly string[], found: Map<string, T>, field: string, message: (id: string) => string): Map<string, T> {
  const missing = ids.find((id) => !found.has(id));
  if (missing) throw badInput(field, message(missing));
  return found;
}
