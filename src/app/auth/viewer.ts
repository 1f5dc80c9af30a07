import { UserRole, UserType } from '../../tenancy/tenancy.enums';
import { User } from '../../tenancy/user.entity';

/** Who is calling. Type, role and memberships always come from the database, never from the token. */
export type Viewer = ServiceViewer | UserViewer;

export interface ServiceViewer {
  kind: 'service';
}

export interface UserViewer {
  kind: 'user';
  user: User;
  /**
   * The locations the user was added to (location_members). Whether they are a member of a location is
   * `isLocationMember` (agency admins are members of every location of their agency without a row).
   */
  locationIds: ReadonlySet<string>;
}

export const isService = (v: Viewer): v is ServiceViewer => v.kind === 'service';
export const isAgencyAdminUser = (u: Pick<User, 'type' | 'role'>): boolean => u.type === UserType.AGENCY && u.role === UserRole.ADMIN;
export const isAgencyAdmin = (v: Viewer): boolean => v.kind === 'user' && isAgencyAdminUser(v.user);
export const isAdmin = (v: Viewer): boolean => v.kind === 'user' && v.user.role === UserRole.ADMIN;
/** The viewer's own user id; null for the service token, which is nobody. */
export const viewerUserId = (v: Viewer): string | null => (v.kind === 'user' ? v.user.id : null);
