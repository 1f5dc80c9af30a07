import { ExternalEventsDocument, SetCountTentativeAsBusyDocument, UpdateCalendarConfigurationDocument } from '../generated/graphql';
import { insertAppointment } from '../support/appointment-fixtures';
import { newTenant, uniqueEmail } from '../support/connect-flow';
import { useEmulatedService } from '../support/emulated-service';
import { insertCalendar } from '../support/fixtures';
import { hourFromNow, outlookEvent, plusMinutes } from '../support/provider-events';
import { codeOf, GqlResult } from '../support/test-app';

// externalEvents(locationId, from, to, userId): a user's synced third-party events overlapping [from, to).
// The viewer's own by default; admins of the location read the users they manage, others are refused;
// hideEventDetails hides titles from everyone but the owner; blocksAvailability follows the agency's rule.

describe('externalEvents', () => {
  const s = useEmulatedService();

  const day = hourFromNow(3, 0);
  const at = (h: number, m = 0) => plusMinutes(day, h * 60 + m);
  const query = (viewer: string | null, vars: { locationId: string; from: Date; to: Date; userId?: string }) =>
    s.t.gql(ExternalEventsDocument, { ...vars, from: vars.from.toISOString(), to: vars.to.toISOString() }, viewer === null ? null : viewer === 'service' ? s.t.serviceToken : s.t.tokenFor(viewer));
  const titles = (r: GqlResult<{ externalEvents: Array<{ title?: string | null }> }>) => r.data?.externalEvents.map((e) => e.title);

  /** userA's Outlook calendar: 09:00-10:00 busy "Budget review", 10:30-11:00 tentative "Maybe", 13:00-14:00 free "Lunch". */
  async function world() {
    const w = await newTenant(s.ds());
    const me = s.emu.microsoft.addAccount({ email: uniqueEmail('ext', 'contoso-ext.test') });
    outlookEvent(s.emu, me.defaultCalendarId, { title: 'Budget review', start: at(9), end: at(10) });
    outlookEvent(s.emu, me.defaultCalendarId, { title: 'Maybe', start: at(10, 30), end: at(11), showAs: 'tentative' });
    outlookEvent(s.emu, me.defaultCalendarId, { title: 'Lunch', start: at(13), end: at(14), showAs: 'free' });
    const conn = await s.flow.connected(w.userA, w.locA, 'OUTLOOK', me.userPrincipalName);
    return { w, conn };
  }

  test('overlapping [from, to): an event ending at from or starting at to is left out', async () => {
    const { w } = await world();
    expect(titles(await query(w.userA, { locationId: w.locA, from: at(0), to: at(24) }))).toEqual(['Budget review', 'Maybe', 'Lunch']);
    expect(titles(await query(w.userA, { locationId: w.locA, from: at(10), to: at(13) }))).toEqual(['Maybe']);
    expect(titles(await query(w.userA, { locationId: w.locA, from: at(9, 59), to: at(10, 31) }))).toEqual(['Budget review', 'Maybe']);
    const [budget] = (await query(w.userA, { locationId: w.locA, from: at(9), to: at(10) })).data!.externalEvents;
    expect(budget).toMatchObject({ title: 'Budget review', startTime: at(9).toISOString(), endTime: at(10).toISOString(), isAllDay: false, availability: 'BUSY', blocksAvailability: true });
  });

  test('blocksAvailability: TENTATIVE blocks only when the agency counts it as busy', async () => {
    const { w } = await world();
    const maybe = async () => (await query(w.userA, { locationId: w.locA, from: at(10), to: at(11) })).data!.externalEvents[0];
    expect(await maybe()).toMatchObject({ availability: 'TENTATIVE', blocksAvailability: false });
    expect((await s.t.gql(SetCountTentativeAsBusyDocument, { agencyId: w.agencyId, value: true }, s.t.tokenFor(w.agencyAdmin))).errors).toBeUndefined();
    expect(await maybe()).toMatchObject({ availability: 'TENTATIVE', blocksAvailability: true });
  });

  test('ranges: to after from, at most 62 days → BAD_USER_INPUT naming the field', async () => {
    const { w } = await world();
    const bad = async (from: Date, to: Date) => {
      const r = await query(w.userA, { locationId: w.locA, from, to });
      return { code: codeOf(r), field: r.errors?.[0]?.extensions?.field };
    };
    expect(await bad(at(0), plusMinutes(at(0), 62 * 24 * 60 + 1))).toEqual({ code: 'BAD_USER_INPUT', field: 'to' });
    expect(await bad(at(10), at(9))).toEqual({ code: 'BAD_USER_INPUT', field: 'to' });
    expect((await query(w.userA, { locationId: w.locA, from: at(0), to: plusMinutes(at(0), 62 * 24 * 60) })).errors).toBeUndefined();
    // The range is checked before the location (order of checks).
    expect(codeOf(await query(w.userA, { locationId: w.locB, from: at(10), to: at(9) }))).toBe('BAD_USER_INPUT');
  });

  test('who may read: the owner; admins of the location (account admin, agency admin, service) for the users they manage; others FORBIDDEN', async () => {
    const { w } = await world();
    const range = { locationId: w.locA, from: at(0), to: at(24) };
    for (const viewer of [w.userA, w.accountAdminA, w.agencyAdmin, 'service']) {
      expect(titles(await query(viewer, { ...range, userId: w.userA }))).toEqual(['Budget review', 'Maybe', 'Lunch']);
    }
    // userId absent = the viewer (who has no events of their own).
    expect((await query(w.accountAdminA, range)).data!.externalEvents).toEqual([]);
    // A colleague in the same location sees the user, but may not read their calendar; nor anyone else's, whoever
    // the id names (a user of another location, an unknown id): a non-admin learns nothing about other ids.
    expect(codeOf(await query(w.userA2, { ...range, userId: w.userA }))).toBe('FORBIDDEN');
    expect(codeOf(await query(w.userA2, { ...range, userId: w.userB }))).toBe('FORBIDDEN');
    expect(codeOf(await query(w.userA2, { ...range, userId: '00000000-0000-4000-8000-000000000000' }))).toBe('FORBIDDEN');
    expect(codeOf(await query(w.userA2, { ...range, userId: 'not-an-id' }))).toBe('BAD_USER_INPUT');
    // Someone else's location, or a user the viewer cannot see.
    expect(codeOf(await query(w.userB, { ...range, userId: w.userA }))).toBe('NOT_FOUND');
    expect(codeOf(await query(w.accountAdminA, { ...range, userId: w.userB }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await query(null, range))).toBe('UNAUTHENTICATED');
    expect(codeOf(await query('service', range))).toBe('BAD_USER_INPUT');
  });

  test("the service's own events (written for an appointment) are the appointment, not third-party events; another app's are", async () => {
    const { w, conn } = await world();
    const cal = conn.calendars.find((c) => c.isDefault)!;
    const crmCalendar = await insertCalendar(s.ds(), w.agencyId, w.locA, [w.userA], 'PERSONAL');
    const appointment = await insertAppointment(s.ds(), { calendarId: crmCalendar, userIds: [w.userA], start: at(9), end: at(10) });
    await s.ds().query(
      `INSERT INTO appointment_writes (appointment_id, user_id, provider_calendar_id, state, operation, version, idempotency_key) VALUES ($1, $2, $3, 'WRITTEN', 'CREATE', 1, 'our-key')`,
      [appointment, w.userA, cal.id],
    );
    // As the sync stores them: our write's key on "Budget review", another application's on "Maybe".
    await s.ds().query(`UPDATE external_events SET client_key = CASE title WHEN 'Budget review' THEN 'our-key' ELSE 'another-apps-key' END WHERE user_id = $1`, [w.userA]);
    for (const viewer of [w.userA, w.accountAdminA]) expect(titles(await query(viewer, { locationId: w.locA, from: at(0), to: at(24), userId: w.userA }))).toEqual(['Maybe', 'Lunch']);
  });

  test('hideEventDetails: titles are hidden (null) from everyone but the owner; the times still show', async () => {
    const { w, conn } = await world();
    const cal = conn.calendars.find((c) => c.isDefault)!;
    const set = await s.t.gql(UpdateCalendarConfigurationDocument, { input: { locationId: w.locA, conflictCalendarIds: [cal.id], hideEventDetails: true } }, s.t.tokenFor(w.userA));
    expect(set.errors).toBeUndefined();
    const range = { locationId: w.locA, from: at(0), to: at(24), userId: w.userA };
    expect(titles(await query(w.userA, range))).toEqual(['Budget review', 'Maybe', 'Lunch']);
    for (const viewer of [w.accountAdminA, w.agencyAdmin, 'service']) {
      const r = await query(viewer, range);
      expect(r.data!.externalEvents.map((e) => [e.title, e.startTime, e.blocksAvailability])).toEqual([
        [null, at(9).toISOString(), true],
        [null, at(10, 30).toISOString(), false],
        [null, at(13).toISOString(), false],
      ]);
    }
  });
});
