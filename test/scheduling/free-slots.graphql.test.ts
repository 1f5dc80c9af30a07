import { DateTime } from 'luxon';
import { FreeSlotsDocument } from '../generated/graphql';
import { insertAppointment } from '../support/appointment-fixtures';
import { buildWorld, insertCalendar, World } from '../support/fixtures';
import { codeOf, GqlResult, startTestApp, TestApp } from '../support/test-app';

const NY = 'America/New_York';
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const at = (local: string) => DateTime.fromISO(local, { zone: NY }).toJSDate();
const hhmm = (iso: string) => DateTime.fromISO(iso, { zone: NY }).toFormat('HH:mm');
// Monday 2030-06-03, 07:00 in New York (locA's zone).
const NOW = at('2030-06-03T07:00');
const MONDAY = { from: at('2030-06-03T00:00').toISOString(), to: at('2030-06-04T00:00').toISOString() };

describe('freeSlots over GraphQL (PRODUCT.md "Availability")', () => {
  let t: TestApp;
  let w: World;
  const as = (userId: string) => t.tokenFor(userId);

  beforeAll(async () => {
    t = await startTestApp();
    t.app.services.clock.now = () => NOW;
  });
  afterAll(() => t.stop());
  beforeEach(async () => {
    w = await buildWorld(t.app.ds);
  });

  function ok<R>(r: GqlResult<R>): R {
    expect(r.errors).toBeUndefined();
    return r.data!;
  }
  /** "HH:mm user,user" per listed slot. */
  const listed = (slots: Array<{ startTime: string; userIds: string[] }>, names: Record<string, string>) => slots.map((s) => `${hhmm(s.startTime)} ${s.userIds.map((id) => names[id]).join(',')}`);

  async function teamCalendar(type: string, settings = `weekly_hours = '[{"day":"MONDAY","windows":[{"start":"09:00","end":"11:00"}]}]'`) {
    const cal = await insertCalendar(t.app.ds, w.agencyId, w.locA, [w.accountUserA, w.agencyUser], type, 30);
    await t.app.ds.query(`UPDATE calendars SET ${settings} WHERE id = $1`, [cal]);
    return cal;
  }
  const names = () => ({ [w.accountUserA]: 'a', [w.agencyUser]: 'b' });

  test('ROUND_ROBIN: a slot is listed with the members free for it; appointments elsewhere in the service count, with both buffers', async () => {
    const cal = await teamCalendar('ROUND_ROBIN', `weekly_hours = '[{"day":"MONDAY","windows":[{"start":"09:00","end":"11:00"}]}]', buffer_after_minutes = 15`);
    // a: 09:30-10:00 on another calendar of another location, 5 minutes after it. b: cancelled appointments do not count.
    await insertAppointment(t.app.ds, { calendarId: w.calendarB, userIds: [w.accountUserA], start: at('2030-06-03T09:30'), end: at('2030-06-03T10:00'), bufferAfterMinutes: 5 });
    await insertAppointment(t.app.ds, { calendarId: cal, userIds: [w.agencyUser], start: at('2030-06-03T09:00'), end: at('2030-06-03T09:30'), status: 'CANCELLED' });
    const slots = ok(await t.gql(FreeSlotsDocument, { calendarId: cal, ...MONDAY }, as(w.accountUserA))).freeSlots;
    // a's slot at 09:00 occupies 09:00-09:45 with this calendar's 15 minutes after: it meets the 09:30 appointment.
    // 10:00 occupies 10:00-10:45; the appointment's occupied range ends 10:05.
    expect(listed(slots, names())).toEqual(['09:00 b', '09:30 b', '10:00 b', '10:30 a,b']);
    expect(slots[0]).toEqual({ startTime: at('2030-06-03T09:00').toISOString(), endTime: at('2030-06-03T09:30').toISOString(), userIds: [w.agencyUser] });
  });

  test('COLLECTIVE lists only the slots every member is free for; PERSONAL its one member', async () => {
    const collective = await teamCalendar('COLLECTIVE');
    await insertAppointment(t.app.ds, { calendarId: w.calendarA, userIds: [w.agencyUser], start: at('2030-06-03T10:00'), end: at('2030-06-03T10:30') });
    expect(listed(ok(await t.gql(FreeSlotsDocument, { calendarId: collective, ...MONDAY }, t.serviceToken)).freeSlots, names())).toEqual(['09:00 a,b', '09:30 a,b', '10:30 a,b']);

    const personal = await insertCalendar(t.app.ds, w.agencyId, w.locA, [w.agencyUser], 'PERSONAL', 60);
    const slots = ok(await t.gql(FreeSlotsDocument, { calendarId: personal, ...MONDAY }, as(w.agencyUser))).freeSlots;
    expect(listed(slots, names())).toEqual(['09:00 b', '11:00 b', '12:00 b', '13:00 b', '14:00 b', '15:00 b', '16:00 b']);
  });

  test('SERVICE lists a slot when any member is free, as ROUND_ROBIN; EVENT its one member', async () => {
    const service = await teamCalendar('SERVICE');
    await insertAppointment(t.app.ds, { calendarId: w.calendarA, userIds: [w.agencyUser], start: at('2030-06-03T10:00'), end: at('2030-06-03T10:30') });
    await insertAppointment(t.app.ds, { calendarId: w.calendarA, userIds: [w.accountUserA], start: at('2030-06-03T10:30'), end: at('2030-06-03T11:00') });
    expect(listed(ok(await t.gql(FreeSlotsDocument, { calendarId: service, ...MONDAY }, as(w.agencyUser))).freeSlots, names())).toEqual(['09:00 a,b', '09:30 a,b', '10:00 a', '10:30 b']);

    const event = await insertCalendar(t.app.ds, w.agencyId, w.locA, [w.agencyUser], 'EVENT', 30);
    await t.app.ds.query(`UPDATE calendars SET weekly_hours = '[{"day":"MONDAY","windows":[{"start":"09:00","end":"11:00"}]}]' WHERE id = $1`, [event]);
    expect(listed(ok(await t.gql(FreeSlotsDocument, { calendarId: event, ...MONDAY }, as(w.accountUserA))).freeSlots, names())).toEqual(['09:00 b', '09:30 b', '10:30 b']);
  });

  test('userIds restricts to those members; anyone off the team → BAD_USER_INPUT naming userIds', async () => {
    const cal = await teamCalendar('ROUND_ROBIN');
    const only = ok(await t.gql(FreeSlotsDocument, { calendarId: cal, ...MONDAY, userIds: [w.agencyUser] }, as(w.accountUserA))).freeSlots;
    expect(listed(only, names())).toEqual(['09:00 b', '09:30 b', '10:00 b', '10:30 b']);
    for (const outsider of [w.accountAdminA, w.otherUser, UNKNOWN_ID, 'not-an-id']) {
      const r = await t.gql(FreeSlotsDocument, { calendarId: cal, ...MONDAY, userIds: [w.agencyUser, outsider] }, as(w.accountUserA));
      expect(codeOf(r)).toBe('BAD_USER_INPUT');
      expect(r.errors?.[0].extensions?.field).toBe('userIds');
    }
  });

  test('a deactivated team member is never free, and naming one is refused', async () => {
    const cal = await teamCalendar('ROUND_ROBIN');
    await t.app.ds.query(`UPDATE users SET active = false WHERE id = $1`, [w.agencyUser]);
    expect(listed(ok(await t.gql(FreeSlotsDocument, { calendarId: cal, ...MONDAY }, as(w.accountUserA))).freeSlots, names())).toEqual(['09:00 a', '09:30 a', '10:00 a', '10:30 a']);
    const r = await t.gql(FreeSlotsDocument, { calendarId: cal, ...MONDAY, userIds: [w.agencyUser] }, as(w.accountUserA));
    expect([codeOf(r), r.errors?.[0].extensions?.field]).toEqual(['BAD_USER_INPUT', 'userIds']);
  });

  test('the daily cap, notice and booking window apply, relative to the service clock', async () => {
    const cal = await teamCalendar(
      'ROUND_ROBIN',
      `weekly_hours = '[{"day":"MONDAY","windows":[{"start":"09:00","end":"11:00"}]},{"day":"TUESDAY","windows":[{"start":"09:00","end":"10:00"}]}]', max_appointments_per_day = 1, minimum_notice_minutes = 150, booking_window_days = 1`,
    );
    await insertAppointment(t.app.ds, { calendarId: cal, userIds: [w.agencyUser], start: at('2030-06-03T10:30'), end: at('2030-06-03T11:00') });
    const slots = ok(await t.gql(FreeSlotsDocument, { calendarId: cal, from: MONDAY.from, to: at('2030-06-05T00:00').toISOString() }, as(w.accountUserA))).freeSlots;
    // Notice: nothing before 09:30 Monday. Cap: b has one on this calendar Monday. Window: nothing after Tuesday 07:00.
    expect(listed(slots, names())).toEqual(['09:30 a', '10:00 a', '10:30 a']);
  });

  test('range and shape: over 62 days or empty → BAD_USER_INPUT naming to, checked before NOT_FOUND', async () => {
    const from = at('2030-06-03T00:00');
    const tooLong = new Date(from.getTime() + 62 * 86_400_000 + 60_000).toISOString();
    for (const to of [tooLong, from.toISOString()]) {
      const r = await t.gql(FreeSlotsDocument, { calendarId: UNKNOWN_ID, from: from.toISOString(), to }, as(w.accountUserA));
      expect(codeOf(r)).toBe('BAD_USER_INPUT');
      expect(r.errors?.[0].extensions?.field).toBe('to');
    }
    const exactly62 = new Date(from.getTime() + 62 * 86_400_000).toISOString();
    expect(ok(await t.gql(FreeSlotsDocument, { calendarId: w.calendarA, from: from.toISOString(), to: exactly62 }, as(w.accountUserA))).freeSlots.length).toBeGreaterThan(0);
  });

  test.each([
    ['no token', 'UNAUTHENTICATED', null, 'calendarA'],
    ['an unknown calendar', 'NOT_FOUND', 'accountUserA', 'unknown'],
    ['a calendar of a location the viewer is not in', 'NOT_FOUND', 'accountUserB', 'calendarA'],
    ['a calendar of another agency', 'NOT_FOUND', 'agencyAdmin', 'otherCalendar'],
  ] as const)('%s → %s', async (_case, code, who, calKey) => {
    const calendarId = calKey === 'unknown' ? UNKNOWN_ID : w[calKey];
    expect(codeOf(await t.gql(FreeSlotsDocument, { calendarId, ...MONDAY }, who ? as(w[who]) : null))).toBe(code);
  });

  test('readable by every member of the location, any role, and the service token', async () => {
    for (const token of [as(w.accountUserA), as(w.agencyUser), as(w.accountAdminA), as(w.agencyAdmin), t.serviceToken]) {
      expect(ok(await t.gql(FreeSlotsDocument, { calendarId: w.calendarA, ...MONDAY }, token)).freeSlots).toHaveLength(16);
    }
  });
});
