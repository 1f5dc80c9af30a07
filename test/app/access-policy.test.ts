import {
  canActForUser,
  canActOnConnection,
  canManageLocation,
  canSeeLocation,
  isActiveMember,
  isLocationMember,
  viewerIsMember,
} from '../../src/app/auth/access-policy';
import { Viewer } from '../../src/app/auth/viewer';
import { UserRole, UserType } from '../../src/tenancy/tenancy.enums';
import { User } from '../../src/tenancy/user.entity';

// The pure rules the AccessService applies: membership (agency admins count everywhere in their agency),
// acting for a user (themselves, or whoever manages the location), and acting on a connection.

const AGENCY = 'agency-1';
const OTHER_AGENCY = 'agency-2';
const locA = { id: 'loc-a', agencyId: AGENCY };
const locB = { id: 'loc-b', agencyId: AGENCY };
const foreignLoc = { id: 'loc-x', agencyId: OTHER_AGENCY };

const user = (id: string, type: UserType, role: UserRole, agencyId = AGENCY, active = true) => Object.assign(new User(), { id, type, role, agencyId, active, email: `${id}@x.test`, name: id });
const viewer = (u: User, addedTo: string[] = []): Viewer => ({ kind: 'user', user: u, locationIds: new Set(addedTo) });
const service: Viewer = { kind: 'service' };

const agencyAdmin = user('agency-admin', UserType.AGENCY, UserRole.ADMIN);
const agencyUser = user('agency-user', UserType.AGENCY, UserRole.USER);
const accountAdmin = user('account-admin', UserType.ACCOUNT, UserRole.ADMIN);
const accountUser = user('account-user', UserType.ACCOUNT, UserRole.USER);
const strangerAdmin = user('stranger-admin', UserType.AGENCY, UserRole.ADMIN, OTHER_AGENCY);

describe('membership', () => {
  test.each([
    ['an agency admin, added nowhere, in a location of their agency', agencyAdmin, [], locB, true],
    ['an agency admin in a location of another agency', strangerAdmin, [], locA, false],
    ['an agency user added to the location', agencyUser, [locA.id], locA, true],
    ['an agency user not added to it (only admins count everywhere)', agencyUser, [locA.id], locB, false],
    ['an account admin added to it', accountAdmin, [locA.id], locA, true],
    ['an account user added elsewhere', accountUser, [locB.id], locA, false],
    ['a row naming a location of another agency (impossible by constraint) does not make a member', accountUser, [foreignLoc.id], foreignLoc, false],
  ])('%s → %s', (_case, u, addedTo, loc, expected) => {
    expect(isLocationMember(u, addedTo, loc)).toBe(expected);
    // A Set (the viewer's) answers the same as a list (a loaded row's).
    expect(isLocationMember(u, new Set(addedTo), loc)).toBe(expected);
  });

  test('a deactivated user is no active member, wherever they were added', () => {
    const gone = user('gone', UserType.ACCOUNT, UserRole.USER, AGENCY, false);
    expect(isLocationMember(gone, [locA.id], locA)).toBe(true);
    expect(isActiveMember(gone, [locA.id], locA)).toBe(false);
    expect(isActiveMember(user('gone-admin', UserType.AGENCY, UserRole.ADMIN, AGENCY, false), [], locA)).toBe(false);
    expect(isActiveMember(accountUser, [locA.id], locA)).toBe(true);
  });

  test('the viewer: the service token sees every location but is a member of none', () => {
    expect(viewerIsMember(service, locA)).toBe(false);
    expect(canSeeLocation(service, locA)).toBe(true);
    expect(viewerIsMember(viewer(agencyAdmin), locA)).toBe(true);
    expect(canSeeLocation(viewer(agencyAdmin), foreignLoc)).toBe(false);
    // Seeing a location is being a member of it, for users.
    for (const [v, loc] of [[viewer(accountUser, [locA.id]), locA], [viewer(accountUser, [locA.id]), locB], [viewer(agencyUser), locA]] as const) {
      expect(canSeeLocation(v, loc)).toBe(viewerIsMember(v, loc));
    }
  });
});

describe('acting for a user in a location', () => {
  test.each([
    ['the user themselves', viewer(accountUser, [locA.id]), accountUser.id, true],
    ['another user of the location', viewer(accountUser, [locA.id]), 'someone', false],
    ['an account admin of the location', viewer(accountAdmin, [locA.id]), 'someone', true],
    ['an account admin of another location', viewer(accountAdmin, [locB.id]), 'someone', false],
    ['an agency user of the location (not an admin)', viewer(agencyUser, [locA.id]), 'someone', false],
    ['an agency admin, added nowhere', viewer(agencyAdmin), 'someone', true],
    ['an agency admin of another agency', viewer(strangerAdmin), 'someone', false],
    ['the service token', service, 'someone', true],
  ])('%s → %s', (_case, v, userId, expected) => {
    expect(canActForUser(v, locA, userId)).toBe(expected);
    expect(canActForUser(v, locA, userId)).toBe(userId === (v.kind === 'user' ? v.user.id : null) || canManageLocation(v, locA));
  });

  test('a connection: its owner and the managers of its location', () => {
    const conn = { userId: accountUser.id, locationId: locA.id, agencyId: AGENCY };
    expect(canActOnConnection(viewer(accountUser, [locA.id]), conn)).toBe(true);
    expect(canActOnConnection(viewer(accountAdmin, [locA.id]), conn)).toBe(true);
    expect(canActOnConnection(viewer(agencyAdmin), conn)).toBe(true);
    expect(canActOnConnection(service, conn)).toBe(true);
    expect(canActOnConnection(viewer(user('colleague', UserType.ACCOUNT, UserRole.USER), [locA.id]), conn)).toBe(false);
    expect(canActOnConnection(viewer(accountAdmin, [locB.id]), conn)).toBe(false);
    expect(canActOnConnection(viewer(strangerAdmin), conn)).toBe(false);
  });
});
