import {
  AgencyDeepDocument,
  CreateAgencyDocument,
  CreateCalendarDocument,
  CreateCalendarMutationVariables,
  CreateLocationDocument,
  CreateUserDocument,
  UpdateCalendarDocument,
} from '../generated/graphql';
import { tenancyState } from '../support/db-state';
import { buildWorld, insertCalendar, insertUser, World } from '../support/fixtures';
import { codeOf, GqlResult, startTestApp, TestApp } from '../support/test-app';

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

describe('input validation', () => {
  let t: TestApp;
  let w: World;
  const as = (userId: string) => t.tokenFor(userId);

  // One world for the file: refused calls must write nothing (checked every time), and accepted ones only add rows
  // (unique emails, new calendars) that no other test depends on.
  beforeAll(async () => {
    t = await startTestApp();
    w = await buildWorld(t.app.ds);
  });
  afterAll(() => t.stop());

  /** Runs a call that must fail with BAD_USER_INPUT naming `field`, and must leave every tenancy table as it was. */
  async function expectBadInput(field: string, call: () => Promise<GqlResult<unknown>>): Promise<void> {
    const before = await tenancyState(t.app.ds);
    const r = await call();
    expect(r.errors).toHaveLength(1);
    const err = r.errors![0];
    expect({ code: err.extensions?.code, field: err.extensions?.field }).toEqual({ code: 'BAD_USER_INPUT', field });
    // The message itself names the field, for people reading it without the extensions.
    expect(err.message).toContain(field);
    expect(await tenancyState(t.app.ds)).toEqual(before);
  }

  function ok<R>(r: GqlResult<R>): R {
    expect(r.errors).toBeUndefined();
    return r.data!;
  }

  const agencyInput = (over: Partial<{ name: string; adminEmail: string; adminName: string }> = {}) => ({
    input: { name: 'Valid Agency', plan: 'STARTER' as const, adminEmail: `admin.${Math.random().toString(36).slice(2)}@x.test`, adminName: 'Admin', ...over },
  });
  const userInput = (over: Partial<{ email: string; name: string; locationIds: string[]; agencyId: string }> = {}) => ({
    input: { agencyId: w.agencyId, email: `u.${Math.random().toString(36).slice(2)}@x.test`, name: 'Someone', type: 'ACCOUNT' as const, role: 'USER' as const, locationIds: [w.locA], ...over },
  });
  const calendarInput = (over: Partial<CreateCalendarMutationVariables['input']> = {}): CreateCalendarMutationVariables => ({
    input: { locationId: w.locA, name: 'Consult', type: 'ROUND_ROBIN', teamMemberIds: [w.accountUserA], slotDurationMinutes: 30, ...over },
  });

  describe('names', () => {
    test.each([[''], ['   ']])('empty names (%j) are refused, naming the field', async (blank) => {
      await expectBadInput('name', () => t.gql(CreateAgencyDocument, agencyInput({ name: blank }), t.serviceToken));
      await expectBadInput('adminName', () => t.gql(CreateAgencyDocument, agencyInput({ adminName: blank }), t.serviceToken));
      await expectBadInput('name', () => t.gql(CreateLocationDocument, { input: { agencyId: w.agencyId, name: blank, timezone: 'UTC' } }, as(w.agencyAdmin)));
      await expectBadInput('name', () => t.gql(CreateUserDocument, userInput({ name: blank }), as(w.agencyAdmin)));
      await expectBadInput('name', () => t.gql(CreateCalendarDocument, calendarInput({ name: blank }), as(w.agencyAdmin)));
      await expectBadInput('name', () => t.gql(UpdateCalendarDocument, { input: { id: w.calendarA, name: blank } }, as(w.agencyAdmin)));
    });

    test('a name longer than 200 characters is refused', async () => {
      await expectBadInput('name', () => t.gql(CreateLocationDocument, { input: { agencyId: w.agencyId, name: 'x'.repeat(201), timezone: 'UTC' } }, as(w.agencyAdmin)));
      ok(await t.gql(CreateLocationDocument, { input: { agencyId: w.agencyId, name: 'x'.repeat(200), timezone: 'UTC' } }, as(w.agencyAdmin)));
    });
  });

  describe('emails', () => {
    test.each([['not-an-email'], ['a@b'], ['two words@x.test'], ['@x.test'], ['']])('%j is not an email', async (email) => {
      await expectBadInput('email', () => t.gql(CreateUserDocument, userInput({ email }), as(w.agencyAdmin)));
      await expectBadInput('adminEmail', () => t.gql(CreateAgencyDocument, agencyInput({ adminEmail: email }), t.serviceToken));
    });

    test('an email already used in the agency, differing only in case, is refused', async () => {
      ok(await t.gql(CreateUserDocument, userInput({ email: 'Jane.Doe@Example.test' }), as(w.agencyAdmin)));
      await expectBadInput('email', () => t.gql(CreateUserDocument, userInput({ email: 'jane.doe@example.TEST' }), as(w.agencyAdmin)));
      await expectBadInput('email', () => t.gql(CreateUserDocument, userInput({ email: '  JANE.DOE@EXAMPLE.TEST ' }), as(w.agencyAdmin)));
    });

    test('the same email in another agency is fine', async () => {
      ok(await t.gql(CreateUserDocument, userInput({ email: 'shared@example.test' }), as(w.agencyAdmin)));
      const other = ok(await t.gql(CreateUserDocument, userInput({ agencyId: w.otherAgencyId, email: 'Shared@example.test', locationIds: [w.otherLoc] }), as(w.otherAdmin)));
      expect(other.createUser.email).toBe('Shared@example.test');
    });
  });

  describe('time zones', () => {
    test.each([['Mars/Olympus'], ['EST5'], ['+01:00'], ['UTC+1'], ['Europe/Berlin '.repeat(2)], [''], ['America/New York']])('%j is not an IANA time zone', async (timezone) => {
      await expectBadInput('timezone', () => t.gql(CreateLocationDocument, { input: { agencyId: w.agencyId, name: 'Somewhere', timezone } }, as(w.agencyAdmin)));
    });

    test.each([['Europe/Berlin'], ['America/Argentina/Buenos_Aires'], ['America/Port-au-Prince'], ['Etc/GMT+5'], ['UTC']])('%j is accepted', async (timezone) => {
      const loc = ok(await t.gql(CreateLocationDocument, { input: { agencyId: w.agencyId, name: 'Somewhere', timezone } }, as(w.agencyAdmin)));
      expect(loc.createLocation.timezone).toBe(timezone);
    });
  });

  describe('slot duration', () => {
    test.each([[4], [481], [0], [-30]])('%i minutes is refused on create and on update', async (slotDurationMinutes) => {
      await expectBadInput('slotDurationMinutes', () => t.gql(CreateCalendarDocument, calendarInput({ slotDurationMinutes }), as(w.accountAdminA)));
      await expectBadInput('slotDurationMinutes', () => t.gql(UpdateCalendarDocument, { input: { id: w.calendarA, slotDurationMinutes } }, as(w.accountAdminA)));
    });

    test.each([[5], [480]])('%i minutes (a bound) is accepted on create and on update', async (slotDurationMinutes) => {
      const created = ok(await t.gql(CreateCalendarDocument, calendarInput({ slotDurationMinutes }), as(w.accountAdminA))).createCalendar;
      expect(created.slotDurationMinutes).toBe(slotDurationMinutes);
      const updated = ok(await t.gql(UpdateCalendarDocument, { input: { id: w.calendarA, slotDurationMinutes } }, as(w.accountAdminA))).updateCalendar;
      expect(updated.slotDurationMinutes).toBe(slotDurationMinutes);
    });
  });

  describe('team members', () => {
    type MemberCase = [string, CreateCalendarMutationVariables['input']['type'], (w: World) => string[]];
    const refused: MemberCase[] = [
      ['an empty list', 'ROUND_ROBIN', () => []],
      ['a user of another agency', 'ROUND_ROBIN', (w) => [w.accountUserA, w.otherUser]],
      ['a user of the agency who is not a member of the location', 'COLLECTIVE', (w) => [w.accountUserB]],
      ['an unknown user id', 'SERVICE', () => [UNKNOWN_ID]],
      ['a malformed user id', 'ROUND_ROBIN', () => ['not-a-uuid']],
      ['the same member twice', 'ROUND_ROBIN', (w) => [w.accountUserA, w.accountUserA]],
      ['a PERSONAL calendar with two members', 'PERSONAL', (w) => [w.accountUserA, w.accountAdminA]],
      ['an EVENT calendar with two members', 'EVENT', (w) => [w.accountUserA, w.accountAdminA]],
    ];

    test.each(refused)('createCalendar with %s is refused', async (_case, type, members) => {
      await expectBadInput('teamMemberIds', () => t.gql(CreateCalendarDocument, calendarInput({ type, teamMemberIds: members(w) }), as(w.accountAdminA)));
    });

    test.each(refused)('updateCalendar with %s is refused and the old team stays', async (_case, type, members) => {
      const cal = await insertCalendar(t.app.ds, w.agencyId, w.locA, [w.accountUserA], type);
      await expectBadInput('teamMemberIds', () => t.gql(UpdateCalendarDocument, { input: { id: cal, teamMemberIds: members(w) } }, as(w.accountAdminA)));
    });

    test('a deactivated member of the location is refused', async () => {
      const gone = await insertUser(t.app.ds, w.agencyId, 'ACCOUNT', 'USER', [w.locA]);
      await t.app.ds.query(`UPDATE users SET active = false WHERE id = $1`, [gone]);
      await expectBadInput('teamMemberIds', () => t.gql(CreateCalendarDocument, calendarInput({ teamMemberIds: [w.accountUserA, gone] }), as(w.accountAdminA)));
    });

    test('PERSONAL and EVENT calendars with their one member are accepted', async () => {
      for (const type of ['PERSONAL', 'EVENT'] as const) {
        const cal = ok(await t.gql(CreateCalendarDocument, calendarInput({ type, teamMemberIds: [w.accountUserA] }), as(w.accountAdminA))).createCalendar;
        expect(cal.teamMembers).toEqual([{ id: w.accountUserA }]);
      }
    });

    test('an agency admin counts as a member of every location, so may be a team member', async () => {
      const cal = ok(await t.gql(CreateCalendarDocument, calendarInput({ locationId: w.locB, teamMemberIds: [w.agencyAdmin, w.accountUserB] }), as(w.agencyAdmin))).createCalendar;
      expect(cal.teamMembers).toEqual([{ id: w.agencyAdmin }, { id: w.accountUserB }]);
      // But not an agency admin of another agency.
      await expectBadInput('teamMemberIds', () => t.gql(CreateCalendarDocument, calendarInput({ teamMemberIds: [w.otherAdmin] }), as(w.agencyAdmin)));
    });
  });

  describe("a new user's locations", () => {
    test.each([
      ['a location of another agency', (w: World) => [w.locA, w.otherLoc]],
      ['an unknown location', () => [UNKNOWN_ID]],
      ['a malformed location id', () => ['nope']],
    ])('%s is refused, naming locationIds, and no user is created', async (_case, locationIds) => {
      await expectBadInput('locationIds', () => t.gql(CreateUserDocument, userInput({ locationIds: locationIds(w) }), as(w.agencyAdmin)));
    });

    test('an account admin must give at least one of their locations', async () => {
      await expectBadInput('locationIds', () => t.gql(CreateUserDocument, userInput({ locationIds: [] }), as(w.accountAdminA)));
    });
  });

  describe('order of checks: UNAUTHENTICATED, then BAD_USER_INPUT, before NOT_FOUND and FORBIDDEN', () => {
    test('an account user creating a location with an empty name gets BAD_USER_INPUT, not FORBIDDEN', async () => {
      await expectBadInput('name', () => t.gql(CreateLocationDocument, { input: { agencyId: w.agencyId, name: '', timezone: 'UTC' } }, as(w.accountUserA)));
    });

    test('an admin of another agency with a bad time zone gets BAD_USER_INPUT, not NOT_FOUND', async () => {
      await expectBadInput('timezone', () => t.gql(CreateLocationDocument, { input: { agencyId: w.agencyId, name: 'X', timezone: 'Mars/Olympus' } }, as(w.otherAdmin)));
    });

    test('a user calling createAgency with a bad email gets BAD_USER_INPUT, not FORBIDDEN', async () => {
      await expectBadInput('adminEmail', () => t.gql(CreateAgencyDocument, agencyInput({ adminEmail: 'nope' }), as(w.agencyAdmin)));
    });

    test('an account user creating a user with a bad email gets BAD_USER_INPUT, not FORBIDDEN', async () => {
      await expectBadInput('email', () => t.gql(CreateUserDocument, userInput({ email: 'nope' }), as(w.accountUserA)));
    });

    test('createCalendar in an invisible location with a bad slot or no members gets BAD_USER_INPUT, not NOT_FOUND', async () => {
      await expectBadInput('slotDurationMinutes', () => t.gql(CreateCalendarDocument, calendarInput({ locationId: w.otherLoc, slotDurationMinutes: 4 }), as(w.accountUserA)));
      await expectBadInput('teamMemberIds', () => t.gql(CreateCalendarDocument, calendarInput({ locationId: w.locB, teamMemberIds: [] }), as(w.accountAdminA)));
    });

    test('updateCalendar of an invisible calendar with an empty name or empty team gets BAD_USER_INPUT, not NOT_FOUND', async () => {
      await expectBadInput('name', () => t.gql(UpdateCalendarDocument, { input: { id: w.otherCalendar, name: ' ' } }, as(w.accountAdminA)));
      await expectBadInput('teamMemberIds', () => t.gql(UpdateCalendarDocument, { input: { id: w.calendarB, teamMemberIds: [] } }, as(w.accountAdminA)));
    });

    test('without a token, bad input is still UNAUTHENTICATED', async () => {
      expect(codeOf(await t.gql(CreateLocationDocument, { input: { agencyId: w.agencyId, name: '', timezone: 'Mars/Olympus' } }, null))).toBe('UNAUTHENTICATED');
    });
  });

  describe('query depth and cost limits', () => {
    // QUERY_MAX_DEPTH 12, QUERY_MAX_COST 20000 (defaults); a list multiplies what is inside it by 10.
    const deepQuery = (w: World) => `query Deep { location(id: "${w.locA}") { ${'agency { locations { '.repeat(7)} id ${'} } '.repeat(7)} } }`;
    const wideQuery = (w: World) => `query Wide { agency(id: "${w.agencyId}") { locations { users { locations { users { locations { calendars { teamMembers { id email } } } } } } } } }`;
    const fragmentDeepQuery = (w: World) => `
      query ViaFragments { location(id: "${w.locA}") { ...L1 } }
      fragment L1 on Location { agency { locations { ...L2 } } }
      fragment L2 on Location { agency { locations { ...L3 } } }
      fragment L3 on Location { agency { locations { ...L4 } } }
      fragment L4 on Location { agency { locations { ...L5 } } }
      fragment L5 on Location { agency { locations { ...L6 } } }
      fragment L6 on Location { agency { locations { ...L7 } } }
      fragment L7 on Location { agency { locations { id } } }`;

    test.each([
      ['a deeply nested query', deepQuery, /nested too deeply: its depth exceeds the limit of 12/],
      ['a deeply nested query built from fragments', fragmentDeepQuery, /nested too deeply: its depth exceeds the limit of 12/],
      ['a wide, expensive query', wideQuery, /too expensive: its estimated cost exceeds the limit of 20000/],
    ])('%s is rejected before execution, and no SQL runs', async (_case, query, message) => {
      for (const token of [t.serviceToken, as(w.agencyAdmin)]) {
        t.sql.reset();
        const res = await t.raw({ query: query(w) }, token);
        expect(res.json.data).toBeUndefined();
        expect(codeOf(res.json)).toBe('GRAPHQL_VALIDATION_FAILED');
        expect(res.json.errors?.[0].message).toMatch(message);
        expect(t.sql.count).toBe(0);
      }
    });

    test('an ordinary nested query stays within the limits', async () => {
      ok(await t.gql(AgencyDeepDocument, { id: w.agencyId }, as(w.agencyAdmin)));
    });
  });
});
