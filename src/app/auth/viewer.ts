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
  /** Locations the user is a member of (agency admins: every location of their agency). */
  locationIds: ReadonlySet<string>;
}

export const isService = (v: Viewer): v is ServiceViewer => v.kind === 'service';
export const isAgencyAdmin = (v: Viewer): boolean => v.kind === 'user' && v.user.type === UserType.AGENCY && v.user.role === UserRole.ADMIN;
export const isAdmin = (v: Viewer): boolean => v.kind === 'user' && v.user.role === UserRole.ADMIN;
