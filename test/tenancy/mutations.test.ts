import { TypedDocumentNode } from '@graphql-typed-document-node/core';
import {
  AddLocationMemberDocument,
  AgencyByIdDocument,
  CalendarByIdDocument,
  CreateAgencyDocument,
  CreateCalendarDocument,
  CreateLocationDocument,
  CreateUserDocument,
  DeactivateUserDocument,
  LocationByIdDocument,
  LocationListsDocument,
  PlansDocument,
  RemoveLocationMemberDocument,
  SetAgencyPlanDocument,
  SetCountTentativeAsBusyDocument,
  SetCrossLocationPolicyDocument,
  SetLocationFeatureDocument,
  SetPlanFeaturesDocument,
  UpdateCalendarDocument,
  ViewerDocument,
  ViewerLocationsDocument,
} from '../generated/graphql';
import { tenancyState } from '../support/db-state';
import { buildWorld, insertCalendar, insertLocation, insertUser, World } from '../support/fixtures';
import { codeOf, GqlResult, startTestApp, TestApp } from '../support/test-app';

const BOTH = ['OUTLOOK_CALENDAR', 'GOOGLE_CALENDAR'] as const;
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

describe('tenancy mutations over GraphQL', () => {
  let t: TestApp;
  let w: World;
  const as = (userId: string) => t.tokenFor(userId);
  const ids = (list: Array<{ id: string }> | undefined | null) => (list ?? []).map((x) => x.id).sort();

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.stop());
  // A fresh agency matrix per test: mutations change it.
  beforeEach(async () => {
    w = await buildWorld(t.app.ds);
  });

  /** The data of a result that must have succeeded (errors shown on failure). */
  function ok<R>(r: GqlResult<R>): R {
    expect(r.errors).toBeUndefined();
    return r.data!;
  }

  describe('queries', () => {
    test('plans lists the catalogue in price order', async () => {
      const plans = ok(await t.gql(PlansDocument, {}, as(w.accountUserA))).plans;
      expect(plans).toEqual([
        { code: 'STARTER', name: 'Starter', monthlyPriceUsd: 97, features: [...BOTH] },
        { code: 'FREELANCER', name: 'Freelancer', monthlyPriceUsd: 297, features: [...BOTH] },
        { code: 'AGENCY_PRO', name: 'Agency Pro', monthlyPriceUsd: 497, features: [...BOTH] },
      ]);
    });

    test('viewer with the service token is FORBIDDEN: the service is no user', async () => {
      const r = await t.gql(ViewerDocument, {}, t.serviceToken);
      expect(codeOf(r)).toBe('FORBIDDEN');
      expect(r.data).toBeNull();
    });

    test('every operation needs a token', async () => {
      expect(codeOf(await t.gql(PlansDocument, {}, null))).toBe('UNAUTHENTICATED');
      expect(codeOf(await t.gql(AgencyByIdDocument, { id: w.agencyId }, null))).toBe('UNAUTHENTICATED');
    });
  });

  describe('createAgency', () => {
    test('the service token creates an agency with its agency admin and the DENY / false defaults', async () => {
      const email = `owner.${Date.now()}@new-agency.test`;
      const created = ok(await t.gql(CreateAgencyDocument, { input: { name: '  Acme Marketing ', plan: 'FREELANCER', adminEmail: email, adminName: 'Olive Owner' } }, t.serviceToken)).createAgency;
      expect(created).toMatchObject({ name: 'Acme Marketing', crossLocationPolicy: 'DENY', countTentativeAsBusy: false, plan: { code: 'FREELANCER' } });
      expect(created.users).toEqual([{ id: expect.any(String), email, type: 'AGENCY', role: 'ADMIN' }]);

      // The new admin can sign in and run their agency.
      const admin = created.users[0].id;
      const viewer = ok(await t.gql(ViewerDocument, {}, as(admin))).viewer;
      expect(viewer).toMatchObject({ id: admin, name: 'Olive Owner', type: 'AGENCY', role: 'ADMIN', active: true, agency: { id: created.id, plan: { code: 'FREELANCER' } } });
      const loc = ok(await t.gql(CreateLocationDocument, { input: { agencyId: created.id, name: 'First', timezone: 'Europe/Paris' } }, as(admin))).createLocation;
      expect(loc.agency.id).toBe(created.id);
    });

    test.each([['agencyAdmin'], ['accountAdminA']] as const)('a user (%s) may not create agencies: FORBIDDEN, nothing written', async (who) => {
      const before = await tenancyState(t.app.ds);
      const r = await t.gql(CreateAgencyDocument, { input: { name: 'Rogue', plan: 'STARTER', adminEmail: 'rogue@x.test', adminName: 'Rogue' } }, as(w[who]));
      expect(codeOf(r)).toBe('FORBIDDEN');
      expect(await tenancyState(t.app.ds)).toEqual(before);
    });
  });

  describe('setAgencyPlan and setPlanFeatures (service token only)', () => {
    test('setAgencyPlan moves the agency to another plan', async () => {
      expect(ok(await t.gql(SetAgencyPlanDocument, { agencyId: w.agencyId, plan: 'STARTER' }, t.serviceToken)).setAgencyPlan).toEqual({ id: w.agencyId, plan: { code: 'STARTER' } });
      const agency = ok(await t.gql(AgencyByIdDocument, { id: w.agencyId }, as(w.agencyAdmin))).agency;
      expect(agency?.plan).toEqual({ code: 'STARTER', name: 'Starter', monthlyPriceUsd: 97, features: [...BOTH] });
    });

    test('setPlanFeatures changes the catalogue, and enabledFeatures of every location on that plan follows', async () => {
      try {
        await t.gql(SetAgencyPlanDocument, { agencyId: w.agencyId, plan: 'STARTER' }, t.serviceToken);
        const plan = ok(await t.gql(SetPlanFeaturesDocument, { plan: 'STARTER', features: ['GOOGLE_CALENDAR', 'GOOGLE_CALENDAR'] }, t.serviceToken)).setPlanFeatures;
        expect(plan).toEqual({ code: 'STARTER', features: ['GOOGLE_CALENDAR'] });
        expect(ok(await t.gql(PlansDocument, {}, t.serviceToken)).plans[0]).toMatchObject({ code: 'STARTER', features: ['GOOGLE_CALENDAR'] });
        expect(ok(await t.gql(LocationByIdDocument, { id: w.locA }, as(w.accountUserA))).location?.enabledFeatures).toEqual(['GOOGLE_CALENDAR']);
        // Another agency on another plan is untouched.
        expect(ok(await t.gql(LocationByIdDocument, { id: w.otherLoc }, as(w.otherUser))).location?.enabledFeatures).toEqual([...BOTH]);
      } finally {
        await t.gql(SetPlanFeaturesDocument, { plan: 'STARTER', features: [...BOTH] }, t.serviceToken);
      }
    });

    test.each([
      ['agency admin, own agency', 'agencyAdmin', 'agencyId', 'FORBIDDEN'],
      ['account admin, own agency', 'accountAdminA', 'agencyId', 'FORBIDDEN'],
      ['agency admin, another agency', 'agencyAdmin', 'otherAgencyId', 'NOT_FOUND'],
    ] as const)('setAgencyPlan by a user (%s) is refused with %s', async (_case, who, target, code) => {
      const before = await tenancyState(t.app.ds);
      expect(codeOf(await t.gql(SetAgencyPlanDocument, { agencyId: w[target], plan: 'STARTER' }, as(w[who])))).toBe(code);
      expect(await tenancyState(t.app.ds)).toEqual(before);
    });

    test('setAgencyPlan for an agency that does not exist is NOT_FOUND', async () => {
      expect(codeOf(await t.gql(SetAgencyPlanDocument, { agencyId: UNKNOWN_ID, plan: 'STARTER' }, t.serviceToken))).toBe('NOT_FOUND');
    });

    test('setPlanFeatures by any user, even an agency admin, is FORBIDDEN', async () => {
      const before = await tenancyState(t.app.ds);
      for (const who of ['agencyAdmin', 'accountAdminA', 'accountUserA'] as const) {
        expect(codeOf(await t.gql(SetPlanFeaturesDocument, { plan: 'AGENCY_PRO', features: [] }, as(w[who])))).toBe('FORBIDDEN');
      }
      expect(await tenancyState(t.app.ds)).toEqual(before);
    });
  });

  describe('createLocation', () => {
    test('an agency admin creates a location, which then lists in the agency with the plan features', async () => {
      const loc = ok(await t.gql(CreateLocationDocument, { input: { agencyId: w.agencyId, name: 'Harbour Office', timezone: 'Australia/Sydney' } }, as(w.agencyAdmin))).createLocation;
      expect(loc).toEqual({ id: expect.any(String), name: 'Harbour Office', timezone: 'Australia/Sydney', agency: { id: w.agencyId }, enabledFeatures: [...BOTH] });
      const agency = ok(await t.gql(AgencyByIdDocument, { id: w.agencyId }, as(w.agencyAdmin))).agency;
      expect(agency?.locations.map((l) => l.id)).toContain(loc.id);
    });

    test('the service token creates locations too', async () => {
      const loc = ok(await t.gql(CreateLocationDocument, { input: { agencyId: w.otherAgencyId, name: 'By service', timezone: 'UTC' } }, t.serviceToken)).createLocation;
      expect(loc.agency.id).toBe(w.otherAgencyId);
    });

    test.each([
      ['account admin', 'accountAdminA', 'agencyId', 'FORBIDDEN'],
      ['agency user', 'agencyUser', 'agencyId', 'FORBIDDEN'],
      ['account user', 'accountUserA', 'agencyId', 'FORBIDDEN'],
      ['agency admin of another agency', 'otherAdmin', 'agencyId', 'NOT_FOUND'],
    ] as const)('a %s may not create a location (%s)', async (_case, who, target, code) => {
      const before = await tenancyState(t.app.ds);
      expect(codeOf(await t.gql(CreateLocationDocument, { input: { agencyId: w[target], name: 'Nope', timezone: 'UTC' } }, as(w[who])))).toBe(code);
      expect(await tenancyState(t.app.ds)).toEqual(before);
    });

    test('a location of an agency that does not exist is NOT_FOUND', async () => {
      expect(codeOf(await t.gql(CreateLocationDocument, { input: { agencyId: UNKNOWN_ID, name: 'Nope', timezone: 'UTC' } }, t.serviceToken))).toBe('NOT_FOUND');
    });
  });

  describe('createUser', () => {
    test('an agency admin creates users of any type and role, into any of the agency locations', async () => {
      const agencyUser = ok(
        await t.gql(CreateUserDocument, { input: { agencyId: w.agencyId, email: 'New.Agency@x.test', name: 'New Agency', type: 'AGENCY', role: 'USER', locationIds: [w.locA, w.locB] } }, as(w.agencyAdmin)),
      ).createUser;
      expect(agencyUser).toMatchObject({ email: 'New.Agency@x.test', name: 'New Agency', type: 'AGENCY', role: 'USER', active: true });
      expect(ids(agencyUser.locations)).toEqual([w.locA, w.locB].sort());

      const accountAdmin = ok(
        await t.gql(CreateUserDocument, { input: { agencyId: w.agencyId, email: 'acc.admin@x.test', name: 'Acc Admin', type: 'ACCOUNT', role: 'ADMIN', locationIds: [w.locB] } }, as(w.agencyAdmin)),
      ).createUser;
      expect(accountAdmin).toMatchObject({ type: 'ACCOUNT', role: 'ADMIN', locations: [{ id: w.locB }] });

      // The new user signs in and sees what they were given.
      const viewer = ok(await t.gql(ViewerDocument, {}, as(agencyUser.id))).viewer;
      expect(ids(viewer.locations)).toEqual([w.locA, w.locB].sort());
    });

    test('an account admin creates ACCOUNT users into their own locations', async () => {
      const user = ok(
        await t.gql(CreateUserDocument, { input: { agencyId: w.agencyId, email: 'staff@x.test', name: 'Staff', type: 'ACCOUNT', role: 'USER', locationIds: [w.locA] } }, as(w.accountAdminA)),
      ).createUser;
      expect(user).toMatchObject({ type: 'ACCOUNT', role: 'USER', locations: [{ id: w.locA }] });
      const loc = ok(await t.gql(LocationByIdDocument, { id: w.locA }, as(w.accountAdminA))).location;
      expect(loc?.users.map((u) => u.id)).toContain(user.id);
    });

    test.each([
      ['an account admin creating an AGENCY user', 'accountAdminA', { type: 'AGENCY', role: 'USER', locationIds: ['locA'] }, 'FORBIDDEN'],
      ['an account admin creating into a location they are not in', 'accountAdminA', { type: 'ACCOUNT', role: 'USER', locationIds: ['locB'] }, 'BAD_USER_INPUT'],
      ['an account admin creating into another agency location', 'accountAdminA', { type: 'ACCOUNT', role: 'USER', locationIds: ['otherLoc'] }, 'BAD_USER_INPUT'],
      ['an account user', 'accountUserA', { type: 'ACCOUNT', role: 'USER', locationIds: ['locA'] }, 'FORBIDDEN'],
      ['an agency user', 'agencyUser', { type: 'ACCOUNT', role: 'USER', locationIds: ['locA'] }, 'FORBIDDEN'],
    ] as const)('%s is refused (%s), nothing written', async (_case, who, input, code) => {
      const before = await tenancyState(t.app.ds);
      const r = await t.gql(
        CreateUserDocument,
        { input: { agencyId: w.agencyId, email: 'refused@x.test', name: 'Refused', type: input.type, role: input.role, locationIds: input.locationIds.map((k) => w[k]) } },
        as(w[who]),
      );
      expect(codeOf(r)).toBe(code);
      if (code === 'BAD_USER_INPUT') expect(r.errors?.[0].extensions?.field).toBe('locationIds');
      expect(await tenancyState(t.app.ds)).toEqual(before);
    });

    test('an agency admin of another agency cannot create users here: NOT_FOUND', async () => {
      const r = await t.gql(CreateUserDocument, { input: { agencyId: w.agencyId, email: 'x@x.test', name: 'X', type: 'ACCOUNT', role: 'USER', locationIds: [] } }, as(w.otherAdmin));
      expect(codeOf(r)).toBe('NOT_FOUND');
    });
  });

  describe('addLocationMember', () => {
    test('an agency admin adds a user of the agency to a location; the user then sees it', async () => {
      const loc = ok(await t.gql(AddLocationMemberDocument, { locationId: w.locA, userId: w.accountUserB }, as(w.agencyAdmin))).addLocationMember;
      expect(loc.users.map((u) => u.id)).toContain(w.accountUserB);
      const viewer = ok(await t.gql(ViewerLocationsDocument, {}, as(w.accountUserB))).viewer;
      expect(ids(viewer.locations)).toEqual([w.locA, w.locB].sort());
      // Adding again is harmless.
      const again = ok(await t.gql(AddLocationMemberDocument, { locationId: w.locA, userId: w.accountUserB }, as(w.agencyAdmin))).addLocationMember;
      expect(again.users.filter((u) => u.id === w.accountUserB)).toHaveLength(1);
    });

    test('an account admin adds a user they can see (they share another location) to their location', async () => {
      const locC = await insertLocation(t.app.ds, w.agencyId);
      await t.app.ds.query(`INSERT INTO location_members (location_id, user_id, agency_id) VALUES ($1, $2, $3)`, [locC, w.accountAdminA, w.agencyId]);
      const colleague = await insertUser(t.app.ds, w.agencyId, 'ACCOUNT', 'USER', [locC]);
      const loc = ok(await t.gql(AddLocationMemberDocument, { locationId: w.locA, userId: colleague }, as(w.accountAdminA))).addLocationMember;
      expect(loc.users.map((u) => u.id)).toContain(colleague);
    });

    test.each([
      ['an account user of the location', 'accountUserA', 'locA', 'accountUserB', 'FORBIDDEN'],
      ['an agency user of the location', 'agencyUser', 'locA', 'accountUserB', 'FORBIDDEN'],
      ['an account admin, for a location they are not in', 'accountAdminA', 'locB', 'accountUserA', 'NOT_FOUND'],
      ['an agency admin of another agency', 'otherAdmin', 'locA', 'otherUser', 'NOT_FOUND'],
      ['an agency admin, adding a user of another agency', 'agencyAdmin', 'locA', 'otherUser', 'BAD_USER_INPUT'],
      ['an account admin, adding a user they cannot see', 'accountAdminA', 'locA', 'accountUserB', 'BAD_USER_INPUT'],
    ] as const)('%s is refused (%s)', async (_case, who, locKey, userKey, code) => {
      const before = await tenancyState(t.app.ds);
      const r = await t.gql(AddLocationMemberDocument, { locationId: w[locKey], userId: w[userKey] }, as(w[who]));
      expect(codeOf(r)).toBe(code);
      if (code === 'BAD_USER_INPUT') expect(r.errors?.[0].extensions?.field).toBe('userId');
      expect(await tenancyState(t.app.ds)).toEqual(before);
    });
  });

  describe('removeLocationMember', () => {
    test("takes the user off that location and that location's calendars only", async () => {
      const both = await insertUser(t.app.ds, w.agencyId, 'ACCOUNT', 'USER', [w.locA, w.locB]);
      const calA = await insertCalendar(t.app.ds, w.agencyId, w.locA, [both, w.accountUserA]);
      const calB = await insertCalendar(t.app.ds, w.agencyId, w.locB, [both]);

      const loc = ok(await t.gql(RemoveLocationMemberDocument, { locationId: w.locA, userId: both }, as(w.agencyAdmin))).removeLocationMember;
      expect(loc.users.map((u) => u.id)).not.toContain(both);
      expect(loc.calendars.find((c) => c.id === calA)?.teamMembers).toEqual([{ id: w.accountUserA }]);

      const b = ok(await t.gql(CalendarByIdDocument, { id: calB }, as(w.agencyAdmin))).calendar;
      expect(b?.teamMembers.map((m) => m.id)).toEqual([both]);
      const viewer = ok(await t.gql(ViewerLocationsDocument, {}, as(both))).viewer;
      expect(ids(viewer.locations)).toEqual([w.locB]);
      // The removed user no longer sees the location at all.
      expect(ok(await t.gql(LocationByIdDocument, { id: w.locA }, as(both))).location).toBeNull();
    });

    test('an account admin removes a member of their location', async () => {
      const loc = ok(await t.gql(RemoveLocationMemberDocument, { locationId: w.locA, userId: w.accountUserA }, as(w.accountAdminA))).removeLocationMember;
      expect(loc.users.map((u) => u.id)).not.toContain(w.accountUserA);
      expect(loc.calendars.find((c) => c.id === w.calendarA)?.teamMembers).toEqual([]);
    });

    test.each([
      ['an account user of the location', 'accountUserA', 'locA', 'agencyUser', 'FORBIDDEN'],
      ['an agency user of the location', 'agencyUser', 'locA', 'accountUserA', 'FORBIDDEN'],
      ['an account admin, for a location they are not in', 'accountAdminA', 'locB', 'accountUserB', 'NOT_FOUND'],
      ['an agency admin of another agency', 'otherAdmin', 'locA', 'accountUserA', 'NOT_FOUND'],
      ['an agency admin, naming a user of another agency', 'agencyAdmin', 'locA', 'otherUser', 'BAD_USER_INPUT'],
    ] as const)('%s is refused (%s), nothing removed', async (_case, who, locKey, userKey, code) => {
      const before = await tenancyState(t.app.ds);
      expect(codeOf(await t.gql(RemoveLocationMemberDocument, { locationId: w[locKey], userId: w[userKey] }, as(w[who])))).toBe(code);
      expect(await tenancyState(t.app.ds)).toEqual(before);
    });
  });

  describe('deactivateUser', () => {
    test('the user can no longer sign in and is taken off every calendar', async () => {
      const tokenBefore = as(w.accountUserA);
      expect(ok(await t.gql(ViewerDocument, {}, tokenBefore)).viewer.id).toBe(w.accountUserA);

      expect(ok(await t.gql(DeactivateUserDocument, { userId: w.accountUserA }, as(w.agencyAdmin))).deactivateUser).toEqual({ id: w.accountUserA, active: false });
      // The token they already hold stops working at once.
      expect(codeOf(await t.gql(ViewerDocument, {}, tokenBefore))).toBe('UNAUTHENTICATED');
      expect(codeOf(await t.gql(PlansDocument, {}, tokenBefore))).toBe('UNAUTHENTICATED');
      const cal = ok(await t.gql(CalendarByIdDocument, { id: w.calendarA }, as(w.agencyAdmin))).calendar;
      expect(cal?.teamMembers).toEqual([]);
    });

    test('the service token deactivates users of any agency', async () => {
      expect(ok(await t.gql(DeactivateUserDocument, { userId: w.otherUser }, t.serviceToken)).deactivateUser.active).toBe(false);
      expect(codeOf(await t.gql(ViewerDocument, {}, as(w.otherUser)))).toBe('UNAUTHENTICATED');
    });

    test.each([
      ['an account admin, for a member of their location', 'accountAdminA', 'accountUserA', 'FORBIDDEN'],
      ['an account user, for themselves', 'accountUserA', 'accountUserA', 'FORBIDDEN'],
      ['an agency user', 'agencyUser', 'accountUserA', 'FORBIDDEN'],
      ['an agency admin, for themselves', 'agencyAdmin', 'agencyAdmin', 'FORBIDDEN'],
      ['an account admin, for a user they cannot see', 'accountAdminA', 'accountUserB', 'NOT_FOUND'],
      ['an agency admin of another agency', 'otherAdmin', 'accountUserA', 'NOT_FOUND'],
    ] as const)('%s is refused (%s)', async (_case, who, target, code) => {
      const before = await tenancyState(t.app.ds);
      expect(codeOf(await t.gql(DeactivateUserDocument, { userId: w[target] }, as(w[who])))).toBe(code);
      expect(await tenancyState(t.app.ds)).toEqual(before);
    });

    test('an unknown user is NOT_FOUND', async () => {
      expect(codeOf(await t.gql(DeactivateUserDocument, { userId: UNKNOWN_ID }, as(w.agencyAdmin)))).toBe('NOT_FOUND');
    });
  });

  describe('createCalendar and updateCalendar', () => {
    test('an account admin creates a calendar in their location, team members in the order given', async () => {
      const cal = ok(
        await t.gql(
          CreateCalendarDocument,
          { input: { locationId: w.locA, name: ' Intro Call ', type: 'ROUND_ROBIN', teamMemberIds: [w.accountUserA, w.agencyUser, w.accountAdminA], slotDurationMinutes: 30 } },
          as(w.accountAdminA),
        ),
      ).createCalendar;
      expect(cal).toEqual({
        id: expect.any(String),
        name: 'Intro Call',
        type: 'ROUND_ROBIN',
        slotDurationMinutes: 30,
        supportedProviders: ['OUTLOOK', 'GOOGLE'],
        location: { id: w.locA },
        teamMembers: [{ id: w.accountUserA }, { id: w.agencyUser }, { id: w.accountAdminA }],
      });
      expect(ok(await t.gql(LocationByIdDocument, { id: w.locA }, as(w.accountUserA))).location?.calendars.map((c) => c.id)).toContain(cal.id);
    });

    test('an EVENT calendar supports Google only', async () => {
      const cal = ok(
        await t.gql(CreateCalendarDocument, { input: { locationId: w.locB, name: 'Open House', type: 'EVENT', teamMemberIds: [w.accountUserB], slotDurationMinutes: 60 } }, as(w.agencyAdmin)),
      ).createCalendar;
      expect(cal.supportedProviders).toEqual(['GOOGLE']);
    });

    test('updateCalendar changes only what it is given', async () => {
      const renamed = ok(await t.gql(UpdateCalendarDocument, { input: { id: w.calendarA, name: 'Renamed' } }, as(w.accountAdminA))).updateCalendar;
      expect(renamed).toEqual({ id: w.calendarA, name: 'Renamed', slotDurationMinutes: 30, teamMembers: [{ id: w.accountUserA }] });

      const changed = ok(
        await t.gql(UpdateCalendarDocument, { input: { id: w.calendarA, slotDurationMinutes: 45, teamMemberIds: [w.agencyUser, w.accountUserA] } }, as(w.agencyAdmin)),
      ).updateCalendar;
      expect(changed).toEqual({ id: w.calendarA, name: 'Renamed', slotDurationMinutes: 45, teamMembers: [{ id: w.agencyUser }, { id: w.accountUserA }] });
    });

    test.each([
      ['an account user of the location', 'accountUserA', 'locA', 'FORBIDDEN'],
      ['an agency user of the location', 'agencyUser', 'locA', 'FORBIDDEN'],
      ['an account admin, in a location they are not in', 'accountAdminA', 'locB', 'NOT_FOUND'],
      ['an agency admin of another agency', 'otherAdmin', 'locA', 'NOT_FOUND'],
    ] as const)('createCalendar by %s is refused (%s)', async (_case, who, locKey, code) => {
      const before = await tenancyState(t.app.ds);
      const r = await t.gql(
        CreateCalendarDocument,
        { input: { locationId: w[locKey], name: 'Nope', type: 'ROUND_ROBIN', teamMemberIds: [w.accountUserA], slotDurationMinutes: 30 } },
        as(w[who]),
      );
      expect(codeOf(r)).toBe(code);
      expect(await tenancyState(t.app.ds)).toEqual(before);
    });

    test.each([
      ['an account user of the location', 'accountUserA', 'calendarA', 'FORBIDDEN'],
      ['an agency user of the location', 'agencyUser', 'calendarA', 'FORBIDDEN'],
      ['an account admin, in a location they are not in', 'accountAdminA', 'calendarB', 'NOT_FOUND'],
      ['an agency admin of another agency', 'otherAdmin', 'calendarA', 'NOT_FOUND'],
    ] as const)('updateCalendar by %s is refused (%s)', async (_case, who, calKey, code) => {
      const before = await tenancyState(t.app.ds);
      expect(codeOf(await t.gql(UpdateCalendarDocument, { input: { id: w[calKey], name: 'Nope' } }, as(w[who])))).toBe(code);
      expect(await tenancyState(t.app.ds)).toEqual(before);
    });

    test('updateCalendar of an unknown calendar is NOT_FOUND', async () => {
      expect(codeOf(await t.gql(UpdateCalendarDocument, { input: { id: UNKNOWN_ID, name: 'X' } }, t.serviceToken))).toBe('NOT_FOUND');
    });
  });

  describe('agency and location settings', () => {
    test('setLocationFeature switches a feature off and on for one location', async () => {
      const off = ok(await t.gql(SetLocationFeatureDocument, { locationId: w.locA, feature: 'GOOGLE_CALENDAR', enabled: false }, as(w.agencyAdmin))).setLocationFeature;
      expect(off).toEqual({ id: w.locA, enabledFeatures: ['OUTLOOK_CALENDAR'] });
      // Switching off twice is harmless; the sibling location keeps both.
      ok(await t.gql(SetLocationFeatureDocument, { locationId: w.locA, feature: 'GOOGLE_CALENDAR', enabled: false }, as(w.agencyAdmin)));
      expect(ok(await t.gql(LocationByIdDocument, { id: w.locA }, as(w.accountUserA))).location?.enabledFeatures).toEqual(['OUTLOOK_CALENDAR']);
      expect(ok(await t.gql(LocationByIdDocument, { id: w.locB }, as(w.accountUserB))).location?.enabledFeatures).toEqual([...BOTH]);

      const on = ok(await t.gql(SetLocationFeatureDocument, { locationId: w.locA, feature: 'GOOGLE_CALENDAR', enabled: true }, as(w.agencyAdmin))).setLocationFeature;
      expect(on.enabledFeatures).toEqual([...BOTH]);
    });

    test('setCrossLocationPolicy and setCountTentativeAsBusy change the agency settings', async () => {
      expect(ok(await t.gql(SetCrossLocationPolicyDocument, { agencyId: w.agencyId, policy: 'ALLOW_SAME_USER' }, as(w.agencyAdmin))).setCrossLocationPolicy).toEqual({
        id: w.agencyId,
        crossLocationPolicy: 'ALLOW_SAME_USER',
      });
      expect(ok(await t.gql(SetCountTentativeAsBusyDocument, { agencyId: w.agencyId, value: true }, as(w.agencyAdmin))).setCountTentativeAsBusy).toEqual({
        id: w.agencyId,
        countTentativeAsBusy: true,
      });
      const agency = ok(await t.gql(AgencyByIdDocument, { id: w.agencyId }, as(w.agencyAdmin))).agency;
      expect(agency).toMatchObject({ crossLocationPolicy: 'ALLOW_SAME_USER', countTentativeAsBusy: true });
      // The service token may change them too.
      expect(ok(await t.gql(SetCrossLocationPolicyDocument, { agencyId: w.agencyId, policy: 'DENY' }, t.serviceToken)).setCrossLocationPolicy.crossLocationPolicy).toBe('DENY');
      expect(ok(await t.gql(SetCountTentativeAsBusyDocument, { agencyId: w.agencyId, value: false }, t.serviceToken)).setCountTentativeAsBusy.countTentativeAsBusy).toBe(false);
    });

    type SettingCase = [string, keyof World, keyof World, string];
    const settingRefusals: SettingCase[] = [
      ['an account admin', 'accountAdminA', 'agencyId', 'FORBIDDEN'],
      ['an agency user', 'agencyUser', 'agencyId', 'FORBIDDEN'],
      ['an account user', 'accountUserA', 'agencyId', 'FORBIDDEN'],
      ['an agency admin of another agency', 'otherAdmin', 'agencyId', 'NOT_FOUND'],
    ];

    const settingMutations: Array<[string, (w: World, target: string) => [TypedDocumentNode<unknown, never>, unknown]]> = [
      ['setCrossLocationPolicy', (_w, agencyId) => [SetCrossLocationPolicyDocument as never, { agencyId, policy: 'ALLOW_SAME_USER' }]],
      ['setCountTentativeAsBusy', (_w, agencyId) => [SetCountTentativeAsBusyDocument as never, { agencyId, value: true }]],
      // setLocationFeature acts on locA, a location every one of these viewers but the foreign admin can see.
      ['setLocationFeature', (w) => [SetLocationFeatureDocument as never, { locationId: w.locA, feature: 'OUTLOOK_CALENDAR', enabled: false }]],
    ];

    describe.each(settingMutations)('%s', (_name, build) => {
      test.each(settingRefusals)('by %s is refused (%s), nothing changed', async (_case, who, target, code) => {
        const before = await tenancyState(t.app.ds);
        const [doc, vars] = build(w, w[target]);
        expect(codeOf(await t.gql(doc, vars as never, as(w[who])))).toBe(code);
        expect(await tenancyState(t.app.ds)).toEqual(before);
      });
    });

    test('an account admin does see the location whose settings they may not change (FORBIDDEN, not NOT_FOUND)', async () => {
      const loc = ok(await t.gql(LocationListsDocument, { id: w.locA }, as(w.accountAdminA))).location;
      expect(loc?.id).toBe(w.locA);
    });
  });
});
