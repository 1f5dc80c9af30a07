import { UserRole } from '../../tenancy/tenancy.enums';
import { User } from '../../tenancy/user.entity';
import { isAgencyAdmin, isAgencyAdminUser, isService, Viewer, viewerUserId } from './viewer';

// Pure rules of PRODUCT.md's "Who may do what" table. The AccessService applies them to rows
// loaded in bulk; field resolvers apply them to rows already loaded by DataLoaders.

type AgencyScoped = { agencyId: string };
export type LocationRef = { id: string; agencyId: string };

const sameAgency = (v: Viewer, agencyId: string) => v.kind === 'user' && v.user.agencyId === agencyId;
type Ids = ReadonlySet<string> | readonly string[];
const includes = (ids: Ids, id: string) => ('has' in ids ? ids.has(id) : ids.includes(id));

/**
 * Membership, the one definition: a user is a member of the locations they were added to (`addedTo`,
 * the location_members rows), and an agency admin of every location of their agency.
 */
export const isLocationMember = (user: Pick<User, 'type' | 'role'> & AgencyScoped, addedTo: Ids, loc: LocationRef): boolean =>
  user.agencyId === loc.agencyId && (isAgencyAdminUser(user) || includes(addedTo, loc.id));

/** Team members, connection owners, configured users: members who are still active. */
export const isActiveMember = (user: Pick<User, 'type' | 'role' | 'active'> & AgencyScoped, addedTo: Ids, loc: LocationRef): boolean =>
  user.active && isLocationMember(user, addedTo, loc);

/** The viewer themselves is a member of the location (the service token is nobody). */
export const viewerIsMember = (v: Viewer, loc: LocationRef): boolean => v.kind === 'user' && isLocationMember(v.user, v.locationIds, loc);

export const canSeeAgency = (v: Viewer, agencyId: string) => isService(v) || sameAgency(v, agencyId);

/** Agency-wide settings: locations, features, policies. */
export const canAdministerAgency = (v: Viewer, agencyId: string) => isService(v) || (isAgencyAdmin(v) && sameAgency(v, agencyId));

export const canSeeLocation = (v: Viewer, loc: LocationRef) => isService(v) || viewerIsMember(v, loc);

/** Members, calendars, new account users, members' configuration and connections. */
export const canManageLocation = (v: Viewer, loc: LocationRef) =>
  canAdministerAgency(v, loc.agencyId) || (v.kind === 'user' && v.user.role === UserRole.ADMIN && canSeeLocation(v, loc));

/** A user is visible to themselves, to agency admins and service, and to anyone sharing a location with them. */
export const canSeeUser = (v: Viewer, user: { id: string } & AgencyScoped, userLocationIds: readonly string[]) =>
  isService(v) ||
  (v.kind === 'user' && v.user.id === user.id) ||
  (sameAgency(v, user.agencyId) && (isAgencyAdmin(v) || (v.kind === 'user' && userLocationIds.some((id) => v.locationIds.has(id)))));

/**
 * Acting on a user's own things in a location (their calendar configuration, their connections, their sync
 * status): the user themselves, or whoever manages the location.
 */
export const canActForUser = (v: Viewer, loc: LocationRef, userId: string) => viewerUserId(v) === userId || canManageLocation(v, loc);

/** A connection is its owner's and its location managers' to see, resync and disconnect. */
export const canActOnConnection = (v: Viewer, conn: { userId: string; locationId: string; agencyId: string }) =>
  canActForUser(v, { id: conn.locationId, agencyId: conn.agencyId }, conn.userId);
