import {
  AgencyByIdDocument,
  AgencyListsDocument,
  CalendarByIdDocument,
  CalendarListsDocument,
  LocationByIdDocument,
  LocationListsDocument,
  ViewerLocationsDocument,
} from '../generated/graphql';
import { buildWorld, insertUser, World } from '../support/fixtures';
import { GqlResult, startTestApp, TestApp } from '../support/test-app';

// Tenant isolation as a matrix: who asks × what they ask about (their own location, a sibling location
// of the same agency, another agency). Read-only, so one world for the file.

type ViewerKey = 'agencyAdmin' | 'agencyUser' | 'accountAdminA' | 'accountUserA' | 'service';
type Where = 'own' | 'sibling' | 'other agency';

const VIEWERS: ViewerKey[] = ['agencyAdmin', 'agencyUser', 'accountAdminA', 'accountUserA', 'service'];

/** Who may see a location (and its calendars) where. Agency admins count as members of every location of their agency. */
const SEES_LOCATION: Record<ViewerKey, Record<Where, boolean>> = {
  agencyAdmin: { own: true, sibling: true, 'other agency': false },
  agencyUser: { own: true, sibling: false, 'other agency': false },
  accountAdminA: { own: true, sibling: false, 'other agency': false },
  accountUserA: { own: true, sibling: false, 'other agency': false },
  service: { own: true, sibling: true, 'other agency': true },
};
/** Everyone reads their own agency (name, plan); only the service token reads another. */
const SEES_AGENCY: Record<ViewerKey, Record<'own' | 'other agency', boolean>> = {
  agencyAdmin: { own: true, 'other agency': false },
  agencyUser: { own: true, 'other agency': false },
  accountAdminA: { own: true, 'other agency': false },
  accountUserA: { own: true, 'other agency': false },
  service: { own: true, 'other agency': true },
};

describe('tenant isolation', () => {
  let t: TestApp;
  let w: World;
  /** An account user in both locations of the agency: their location list must be cut to what each viewer sees. */
  let both: string;

  beforeAll(async () => {
    t = await startTestApp();
    w = await buildWorld(t.app.ds);
    both = await insertUser(t.app.ds, w.agencyId, 'ACCOUNT', 'USER', [w.locA, w.locB]);
  });
  afterAll(() => t.stop());

  const tokenOf = (v: ViewerKey) => (v === 'service' ? t.serviceToken : t.tokenFor(w[v]));
  const sorted = (xs: string[]) => [...xs].sort();
  const idsOf = (list: Array<{ id: string }> | undefined) => sorted((list ?? []).map((x) => x.id));
  function data<R>(r: GqlResult<R>): R {
    expect(r.errors).toBeUndefined();
    return r.data!;
  }

  const locationOf = (where: Where) => (where === 'own' ? w.locA : where === 'sibling' ? w.locB : w.otherLoc);
  const calendarOf = (where: Where) => (where === 'own' ? w.calendarA : where === 'sibling' ? w.calendarB : w.otherCalendar);
  const agencyOf = (where: 'own' | 'other agency') => (where === 'own' ? w.agencyId : w.otherAgencyId);

  const cells = <W extends string>(table: Record<ViewerKey, Record<W, boolean>>) =>
    VIEWERS.flatMap((v) => (Object.keys(table[v]) as W[]).map((where) => [v, where, table[v][where]] as [ViewerKey, W, boolean]));

  describe('by-id queries: null without an error for what the viewer may not see', () => {
    test.each(cells(SEES_AGENCY))('%s asks for the agency (%s): visible = %s', async (viewer, where, visible) => {
      const r = await t.gql(AgencyByIdDocument, { id: agencyOf(where) }, tokenOf(viewer));
      expect(data(r).agency?.id ?? null).toBe(visible ? agencyOf(where) : null);
    });

    test.each(cells(SEES_LOCATION))('%s asks for a location (%s): visible = %s', async (viewer, where, visible) => {
      const r = await t.gql(LocationByIdDocument, { id: locationOf(where) }, tokenOf(viewer));
      expect(data(r).location?.id ?? null).toBe(visible ? locationOf(where) : null);
    });

    test.each(cells(SEES_LOCATION))('%s asks for a calendar (%s): visible = %s', async (viewer, where, visible) => {
      const r = await t.gql(CalendarByIdDocument, { id: calendarOf(where) }, tokenOf(viewer));
      expect(data(r).calendar?.id ?? null).toBe(visible ? calendarOf(where) : null);
    });

    test.each(VIEWERS)('%s gets null, not an error, for unknown and malformed ids', async (viewer) => {
      for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', '']) {
        expect(data(await t.gql(AgencyByIdDocument, { id }, tokenOf(viewer))).agency).toBeNull();
        expect(data(await t.gql(LocationByIdDocument, { id }, tokenOf(viewer))).location).toBeNull();
        expect(data(await t.gql(CalendarByIdDocument, { id }, tokenOf(viewer))).calendar).toBeNull();
      }
    });
  });

  describe('lists are filtered to what the viewer may see', () => {
    const expected = () => {
      const agencyMembersOfA = [w.agencyUser, w.accountAdminA, w.accountUserA, both];
      const everyoneInAgency = [w.agencyAdmin, w.agencyUser, w.accountAdminA, w.accountUserA, w.accountUserB, both];
      const memberOfAOnly = { agencyLocations: [w.locA], agencyUsers: agencyMembersOfA, bothLocations: [w.locA] };
      const agencyWide = { agencyLocations: [w.locA, w.locB], agencyUsers: everyoneInAgency, bothLocations: [w.locA, w.locB] };
      return { agencyAdmin: agencyWide, service: agencyWide, agencyUser: memberOfAOnly, accountAdminA: memberOfAOnly, accountUserA: memberOfAOnly } as const;
    };

    test.each(VIEWERS)('%s: Agency.locations and Agency.users', async (viewer) => {
      const agency = data(await t.gql(AgencyListsDocument, { id: w.agencyId }, tokenOf(viewer))).agency!;
      expect(idsOf(agency.locations)).toEqual(sorted(expected()[viewer].agencyLocations));
      expect(idsOf(agency.users)).toEqual(sorted(expected()[viewer].agencyUsers));
    });

    test.each(VIEWERS)('%s: User.locations of a user in both locations shows only the visible ones, wherever it is reached', async (viewer) => {
      const want = sorted(expected()[viewer].bothLocations);
      const agency = data(await t.gql(AgencyListsDocument, { id: w.agencyId }, tokenOf(viewer))).agency!;
      expect(idsOf(agency.users.find((u) => u.id === both)?.locations)).toEqual(want);
      for (const loc of agency.locations) expect(idsOf(loc.users.find((u) => u.id === both)?.locations)).toEqual(want);
      const location = data(await t.gql(LocationListsDocument, { id: w.locA }, tokenOf(viewer))).location!;
      expect(idsOf(location.users.find((u) => u.id === both)?.locations)).toEqual(want);
    });

    test.each(VIEWERS)('%s: Location.users, Location.calendars and the agency reached through the location', async (viewer) => {
      const location = data(await t.gql(LocationListsDocument, { id: w.locA }, tokenOf(viewer))).location!;
      expect(idsOf(location.users)).toEqual(sorted([w.agencyUser, w.accountAdminA, w.accountUserA, both]));
      expect(idsOf(location.calendars)).toEqual([w.calendarA]);
      // Going up to the agency does not open the sibling location or its users.
      expect(idsOf(location.agency.locations)).toEqual(sorted(expected()[viewer].agencyLocations));
      expect(idsOf(location.agency.users)).toEqual(sorted(expected()[viewer].agencyUsers));
    });

    test.each(['agencyUser', 'accountAdminA', 'accountUserA'] as const)('%s: viewer.locations and viewer.agency lists', async (viewer) => {
      const me = data(await t.gql(ViewerLocationsDocument, {}, tokenOf(viewer))).viewer;
      expect(idsOf(me.locations)).toEqual([w.locA]);
      expect(idsOf(me.agency.locations)).toEqual([w.locA]);
      expect(idsOf(me.agency.users)).toEqual(sorted(expected()[viewer].agencyUsers));
    });

    test('the service token lists another agency in full', async () => {
      const agency = data(await t.gql(AgencyListsDocument, { id: w.otherAgencyId }, t.serviceToken)).agency!;
      expect(idsOf(agency.locations)).toEqual([w.otherLoc]);
      expect(idsOf(agency.users)).toEqual(sorted([w.otherAdmin, w.otherUser]));
      expect(idsOf(agency.locations[0].calendars)).toEqual([w.otherCalendar]);
    });
  });

  describe('nothing leaks', () => {
    /** Ids the viewer must never meet, in any response. */
    const invisibleTo = (viewer: ViewerKey): string[] => {
      const otherAgency = [w.otherAgencyId, w.otherLoc, w.otherAdmin, w.otherUser, w.otherCalendar];
      if (viewer === 'service') return [];
      if (viewer === 'agencyAdmin') return otherAgency;
      return [...otherAgency, w.locB, w.calendarB, w.accountUserB];
    };

    test.each(VIEWERS)('%s: no invisible id appears in any answer, asked directly or reached through nesting', async (viewer) => {
      const token = tokenOf(viewer);
      const answers = await Promise.all([
        t.gql(AgencyListsDocument, { id: w.agencyId }, token),
        t.gql(AgencyListsDocument, { id: w.otherAgencyId }, token),
        ...[w.locA, w.locB, w.otherLoc].map((id) => t.gql(LocationListsDocument, { id }, token)),
        ...[w.calendarA, w.calendarB, w.otherCalendar].map((id) => t.gql(CalendarListsDocument, { id }, token)),
        ...(viewer === 'service' ? [] : [t.gql(ViewerLocationsDocument, {}, token)]),
      ]);
      for (const a of answers) expect(a.errors).toBeUndefined();
      const text = JSON.stringify(answers);
      const leaked = invisibleTo(viewer).filter((id) => text.includes(id));
      expect(leaked).toEqual([]);
    });
  });
});
