import { UserRole } from '../../tenancy/tenancy.enums';
import { isAgencyAdmin, isService, Viewer } from './viewer';

// Pure rules of PRODUCT.md's "Who may do what" table. The AccessService applies them to rows
// loaded in bulk; field resolvers apply them to rows already loaded by DataLoaders.

type AgencyScoped = { agencyId: string };
type LocationRef = { id: string; agencyId: string };

const sameAgency = (v: Viewer, agencyId: string) => v.kind === 'user' && v.user.agencyId === agencyId;

export const canSeeAgency = (v: Viewer, agencyId: string) => isService(v) || sameAgency(v, agencyId);

/** Agency-wide settings: locations, features, policies. */
export const canAdministerAgency = (v: Viewer, agencyId: string) => isService(v) || (isAgencyAdmin(v) && sameAgency(v, agencyId));

export const canSeeLocation = (v: Viewer, loc: LocationRef) =>
  isService(v) || (sameAgency(v, loc.agencyId) && (isAgencyAdmin(v) || (v.kind === 'user' && v.locationIds.has(loc.id))));

/** Members, calendars, new account users, members' configuration and connections. */
export const canManageLocation = (v: Viewer, loc: LocationRef) =>
  canAdministerAgency(v, loc.agencyId) || (v.kind === 'user' && v.user.role === UserRole.ADMIN && canSeeLocation(v, loc));

/** A user is visible to themselves, to agency admins and service, and to anyone sharing a location with them. */
export const canSeeUser = (v: Viewer, user: { id: string } & AgencyScoped, userLocationIds: readonly string[]) =>
  isService(v) ||
  (v.kind === 'user' && v.user.id === user.id) ||
  (sameAgency(v, user.agencyId) && (isAgencyAdmin(v) || (v.kind === 'user' && userLocationIds.some((id) => v.locationIds.has(id)))));
