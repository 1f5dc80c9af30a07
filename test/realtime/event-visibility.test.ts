import { Viewer } from '../../src/app/auth/viewer';
import { maySeeEvent, SubscriptionScope } from '../../src/realtime/event-visibility';
import { UserRole, UserType } from '../../src/tenancy/tenancy.enums';
import { User } from '../../src/tenancy/user.entity';

// The rule every subscription event passes before it is sent, with the viewer as they are now.
const agency = 'agency-1';
const locA = { id: 'loc-a', agencyId: agency };
const locB = { id: 'loc-b', agencyId: agency };

const viewer = (id: string, type: UserType, role: UserRole, locationIds: string[], opts: { active?: boolean; agencyId?: string } = {}): Viewer => ({
  kind: 'user',
  user: Object.assign(new User(), { id, agencyId: opts.agencyId ?? agency, email: `${id}@example.test`, name: id, type, role, active: opts.active ?? true }),
  locationIds: new Set(locationIds),
});

const member = viewer('member', UserType.ACCOUNT, UserRole.USER, [locA.id]);
const admin = viewer('admin', UserType.ACCOUNT, UserRole.ADMIN, [locA.id]);
const agencyAdmin = viewer('agency-admin', UserType.AGENCY, UserRole.ADMIN, [locA.id, locB.id]);
const foreignAgencyAdmin = viewer('foreign', UserType.AGENCY, UserRole.ADMIN, ['loc-x'], { agencyId: 'agency-2' });
const service: Viewer = { kind: 'service' };

const syncStatus: SubscriptionScope = { topic: 'syncStatus', location: locA };
const allConflicts: SubscriptionScope = { topic: 'conflicts', location: locA, userId: null };
const memberConflicts: SubscriptionScope = { topic: 'conflicts', location: locA, userId: 'member' };
const ofMember = { locationId: locA.id, userId: 'member' };
const ofColleague = { locationId: locA.id, userId: 'colleague' };

describe('maySeeEvent', () => {
  test('syncStatusChanged: admins of the location see every member, users only themselves', () => {
    expect(maySeeEvent(member, syncStatus, ofMember)).toBe(true);
    expect(maySeeEvent(member, syncStatus, ofColleague)).toBe(false);
    expect(maySeeEvent(admin, syncStatus, ofColleague)).toBe(true);
    expect(maySeeEvent(agencyAdmin, syncStatus, ofColleague)).toBe(true);
    expect(maySeeEvent(service, syncStatus, ofColleague)).toBe(true);
  });

  test('conflictsChanged: every user of a visible location, or only the one asked for', () => {
    expect(maySeeEvent(member, allConflicts, ofColleague)).toBe(true);
    expect(maySeeEvent(member, memberConflicts, ofMember)).toBe(true);
    expect(maySeeEvent(member, memberConflicts, ofColleague)).toBe(false);
    expect(maySeeEvent(service, memberConflicts, ofMember)).toBe(true);
  });

  test('a user removed from the location sees nothing of it, not even their own connections', () => {
    const removed = viewer('member', UserType.ACCOUNT, UserRole.USER, [locB.id]);
    expect(maySeeEvent(removed, syncStatus, ofMember)).toBe(false);
    expect(maySeeEvent(removed, allConflicts, ofColleague)).toBe(false);
    expect(maySeeEvent(removed, memberConflicts, ofMember)).toBe(false);
    const removedAdmin = viewer('admin', UserType.ACCOUNT, UserRole.ADMIN, [locB.id]);
    expect(maySeeEvent(removedAdmin, syncStatus, ofColleague)).toBe(false);
  });

  test('a deactivated or vanished viewer sees nothing', () => {
    expect(maySeeEvent(null, syncStatus, ofMember)).toBe(false);
    expect(maySeeEvent(viewer('member', UserType.ACCOUNT, UserRole.USER, [locA.id], { active: false }), syncStatus, ofMember)).toBe(false);
    expect(maySeeEvent(viewer('admin', UserType.AGENCY, UserRole.ADMIN, [locA.id], { active: false }), allConflicts, ofMember)).toBe(false);
  });

  test('an admin demoted to user keeps only their own connections', () => {
    const demoted = viewer('admin', UserType.ACCOUNT, UserRole.USER, [locA.id]);
    expect(maySeeEvent(demoted, syncStatus, ofColleague)).toBe(false);
    expect(maySeeEvent(demoted, syncStatus, { locationId: locA.id, userId: 'admin' })).toBe(true);
  });

  test('another agency, or an event of another location, is never delivered', () => {
    expect(maySeeEvent(foreignAgencyAdmin, syncStatus, ofMember)).toBe(false);
    expect(maySeeEvent(foreignAgencyAdmin, allConflicts, ofMember)).toBe(false);
    expect(maySeeEvent(agencyAdmin, syncStatus, { locationId: locB.id, userId: 'member' })).toBe(false);
    expect(maySeeEvent(service, allConflicts, { locationId: locB.id, userId: 'member' })).toBe(false);
  });
});
