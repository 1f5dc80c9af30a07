import { DateTime } from 'luxon';
import { AppointmentsDocument, BookAppointmentDocument, CancelAppointmentDocument, ConflictsChangedDocument, FreeSlotsDocument, RescheduleAppointmentDocument } from '../generated/graphql';
import { insertAppointment, insertLinkedCalendar } from '../support/appointment-fixtures';
import { buildWorld, insertCalendar, World } from '../support/fixtures';
import { codeOf, GqlResult, startTestApp, TestApp } from '../support/test-app';
import { nextWhere, subscribe, untilLive, wsClient } from '../support/ws-client';

const NY = 'America/New_York';
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const at = (local: string) => DateTime.fromISO(local, { zone: NY }).toJSDate();
const iso = (local: string) => at(local).toISOString();
// Monday 2030-06-03, 07:00 in New York (locA's zone); calendars default to Monday-Friday 09:00-17:00.
const NOW = at('2030-06-03T07:00');

describe('booking over GraphQL (PRODUCT.md "Booking")', () => {
  let t: TestApp;
  let w: World;
  const as = (userId: string) => t.tokenFor(userId);

  beforeAll(async () => {
    // The outbox rows as the booking commits them: no worker takes them here (test/sync/outbox does).
    t = await startTestApp({}, undefined, { outbox: { work: false } });
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
  const refused = (r: GqlResult<unknown>) => ({ code: codeOf(r), field: r.errors?.[0]?.extensions?.field });
  const book = (calendarId: string, local: string, token: string, extra: { userId?: string; title?: string; attendeeEmails?: string[]; description?: string } = {}) =>
    t.gql(BookAppointmentDocument, { input: { calendarId, startTime: iso(local), title: extra.title ?? 'Intro call', ...extra } }, token);
  const writeRows = (appointmentId: string) =>
    t.app.ds.query(`SELECT user_id, state, operation, version, provider_calendar_id FROM appointment_writes WHERE appointment_id = $1 ORDER BY user_id`, [appointmentId]);

  describe('bookAppointment', () => {
    test('books a free slot: the appointment, its participant, NOT_LINKED without a linked calendar', async () => {
      const a = ok(await book(w.calendarA, '2030-06-03T10:00', as(w.accountUserA), { description: 'About the offer', attendeeEmails: ['Client@Example.com', 'client@example.com'] })).bookAppointment;
      expect(a).toEqual({
        id: expect.any(String),
        title: 'Intro call',
        description: 'About the offer',
        startTime: iso('2030-06-03T10:00'),
        endTime: iso('2030-06-03T10:30'),
        status: 'CONFIRMED',
        calendar: { id: w.calendarA },
        assignedUser: { id: w.accountUserA },
        participants: [{ id: w.accountUserA }],
        providerWriteState: 'NOT_LINKED',
        meetingUrl: null,
        writes: [{ user: { id: w.accountUserA }, state: 'NOT_LINKED', providerCalendar: null, error: null }],
      });
      const [{ attendee_emails }] = await t.app.ds.query(`SELECT attendee_emails FROM appointments WHERE id = $1`, [a.id]);
      expect(attendee_emails).toEqual(['Client@Example.com']);
      // The slot is gone from freeSlots.
      const slots = ok(await t.gql(FreeSlotsDocument, { calendarId: w.calendarA, from: iso('2030-06-03T09:00'), to: iso('2030-06-03T11:00') }, as(w.accountUserA))).freeSlots;
      expect(slots.map((s) => s.startTime)).toEqual([iso('2030-06-03T09:00'), iso('2030-06-03T09:30'), iso('2030-06-03T10:30')]);
    });

    test('a participant with a linked calendar gets a PENDING outbox row towards it, committed with the booking', async () => {
      const linked = await insertLinkedCalendar(t.app.ds, { agencyId: w.agencyId, locationId: w.locA, userId: w.accountUserA });
      const cal = await insertCalendar(t.app.ds, w.agencyId, w.locA, [w.accountUserA, w.agencyUser], 'COLLECTIVE');
      const a = ok(await book(cal, '2030-06-03T09:00', as(w.agencyUser))).bookAppointment;
      expect(a.providerWriteState).toBe('PENDING');
      expect(a.participants).toEqual([{ id: w.accountUserA }, { id: w.agencyUser }]);
      expect(a.writes).toEqual([
        { user: { id: w.accountUserA }, state: 'PENDING', providerCalendar: { id: linked }, error: null },
        { user: { id: w.agencyUser }, state: 'NOT_LINKED', providerCalendar: null, error: null },
      ]);
      expect(await writeRows(a.id)).toEqual(
        expect.arrayContaining([
          { user_id: w.accountUserA, state: 'PENDING', operation: 'CREATE', version: 1, provider_calendar_id: linked },
          { user_id: w.agencyUser, state: 'NOT_LINKED', operation: 'CREATE', version: 1, provider_calendar_id: null },
        ]),
      );
    });

    test("an EVENT calendar does not write to a member's Outlook linked calendar", async () => {
      await insertLinkedCalendar(t.app.ds, { agencyId: w.agencyId, locationId: w.locA, userId: w.accountUserA, provider: 'OUTLOOK' });
      const cal = await insertCalendar(t.app.ds, w.agencyId, w.locA, [w.accountUserA], 'EVENT');
      expect(ok(await book(cal, '2030-06-03T09:00', as(w.accountUserA))).bookAppointment.writes).toEqual([{ user: { id: w.accountUserA }, state: 'NOT_LINKED', providerCalendar: null, error: null }]);
    });

    test('every member of the location, any type or role, and the service token may book', async () => {
      const cal = await insertCalendar(t.app.ds, w.agencyId, w.locA, [w.accountUserA], 'PERSONAL');
      const bookers = [as(w.accountUserA), as(w.agencyUser), as(w.accountAdminA), as(w.agencyAdmin), t.serviceToken];
      for (const [i, token] of bookers.entries()) ok(await book(cal, `2030-06-04T${String(9 + i).padStart(2, '0')}:00`, token));
    });

    test('order of checks: UNAUTHENTICATED, then BAD_USER_INPUT of the input, then NOT_FOUND, then the rules', async () => {
      expect(codeOf(await book(w.calendarA, '2030-06-03T10:00', null as never))).toBe('UNAUTHENTICATED');
      // Shape before existence and visibility.
      expect(refused(await book(UNKNOWN_ID, '2030-06-03T10:00', as(w.accountUserA), { title: '  ' }))).toEqual({ code: 'BAD_USER_INPUT', field: 'title' });
      expect(refused(await book(w.otherCalendar, '2030-06-03T10:00', as(w.accountUserA), { attendeeEmails: ['not-an-email'] }))).toEqual({ code: 'BAD_USER_INPUT', field: 'attendeeEmails' });
      expect(refused(await book(UNKNOWN_ID, '2030-06-03T10:00', as(w.accountUserA), { userId: 'nobody' }))).toEqual({ code: 'BAD_USER_INPUT', field: 'userId' });
      // Unknown or invisible calendar.
      expect(codeOf(await book(UNKNOWN_ID, '2030-06-03T10:00', as(w.accountUserA)))).toBe('NOT_FOUND');
      expect(codeOf(await book(w.calendarB, '2030-06-03T10:00', as(w.accountUserA)))).toBe('NOT_FOUND');
      expect(codeOf(await book(w.otherCalendar, '2030-06-03T10:00', as(w.agencyAdmin)))).toBe('NOT_FOUND');
      // Nothing was written by any of them.
      expect(await t.app.ds.query(`SELECT count(*)::int AS n FROM appointments WHERE agency_id IN ($1, $2)`, [w.agencyId, w.otherAgencyId])).toEqual([{ n: 0 }]);
    });

    test.each([
      ['off the grid', '2030-06-03T10:10', {}],
      ['outside the hours', '2030-06-03T17:00', {}],
      ['on a closed day', '2030-06-08T10:00', {}],
      ['in the past', '2030-06-03T06:00', { weekly_hours: '[{"day":"MONDAY","windows":[{"start":"00:00","end":"24:00"}]}]' }],
      ['inside the minimum notice', '2030-06-03T09:00', { minimum_notice_minutes: 180 }],
      ['beyond the booking window', '2030-06-05T09:00', { booking_window_days: 1 }],
    ] as const)('a startTime %s → BAD_USER_INPUT naming startTime', async (_case, local, settings) => {
      for (const [column, value] of Object.entries(settings)) await t.app.ds.query(`UPDATE calendars SET ${column} = $2 WHERE id = $1`, [w.calendarA, value]);
      expect(refused(await book(w.calendarA, local, as(w.accountUserA)))).toEqual({ code: 'BAD_USER_INPUT', field: 'startTime' });
    });

    test('a startTime that is not a time → BAD_USER_INPUT naming startTime (the variable cannot be coerced)', async () => {
      const r = await t.raw({ query: 'mutation ($input: BookAppointmentInput!) { bookAppointment(input: $input) { id } }', variables: { input: { calendarId: w.calendarA, startTime: '2030-06-03 25:00', title: 'Call' } } }, as(w.accountUserA));
      expect(r.json.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'startTime' });
    });

    test('userId must be a team member (BAD_USER_INPUT); a busy member → SLOT_UNAVAILABLE', async () => {
      const cal = await insertCalendar(t.app.ds, w.agencyId, w.locA, [w.accountUserA, w.agencyUser], 'ROUND_ROBIN');
      expect(refused(await book(cal, '2030-06-03T10:00', as(w.accountUserA), { userId: w.accountAdminA }))).toEqual({ code: 'BAD_USER_INPUT', field: 'userId' });
      expect(refused(await book(cal, '2030-06-03T10:00', as(w.accountUserA), { userId: w.otherUser }))).toEqual({ code: 'BAD_USER_INPUT', field: 'userId' });
      await insertAppointment(t.app.ds, { calendarId: w.calendarB, userIds: [w.agencyUser], start: at('2030-06-03T09:45'), end: at('2030-06-03T10:15') });
      expect(codeOf(await book(cal, '2030-06-03T10:00', as(w.accountUserA), { userId: w.agencyUser }))).toBe('SLOT_UNAVAILABLE');
      // Without userId a free member is picked.
      const a = ok(await book(cal, '2030-06-03T10:00', as(w.accountUserA))).bookAppointment;
      expect(a.assignedUser).toEqual({ id: w.accountUserA });
      // Now nobody is free at 10:00.
      expect(codeOf(await book(cal, '2030-06-03T10:00', as(w.accountUserA)))).toBe('SLOT_UNAVAILABLE');
    });

    test('COLLECTIVE needs every member free', async () => {
      const cal = await insertCalendar(t.app.ds, w.agencyId, w.locA, [w.accountUserA, w.agencyUser], 'COLLECTIVE');
      await insertAppointment(t.app.ds, { calendarId: w.calendarB, userIds: [w.agencyUser], start: at('2030-06-03T10:00'), end: at('2030-06-03T10:30') });
      expect(codeOf(await book(cal, '2030-06-03T10:00', as(w.accountUserA)))).toBe('SLOT_UNAVAILABLE');
      const a = ok(await book(cal, '2030-06-03T10:30', as(w.accountUserA), { userId: w.agencyUser })).bookAppointment;
      expect(a).toMatchObject({ assignedUser: { id: w.agencyUser }, participants: [{ id: w.accountUserA }, { id: w.agencyUser }] });
    });

    test("buffers: a booking takes [start − before, end + after) of this calendar's buffers, against the other calendars' bookings", async () => {
      await t.app.ds.query(`UPDATE calendars SET buffer_after_minutes = 30 WHERE id = $1`, [w.calendarA]);
      const personal = await insertCalendar(t.app.ds, w.agencyId, w.locA, [w.accountUserA], 'PERSONAL');
      ok(await book(w.calendarA, '2030-06-03T10:00', as(w.accountUserA)));
      // Occupied 10:00-11:00: the other calendar (no buffers) cannot have 10:30, can have 11:00.
      expect(codeOf(await book(personal, '2030-06-03T10:30', as(w.accountUserA)))).toBe('SLOT_UNAVAILABLE');
      ok(await book(personal, '2030-06-03T11:00', as(w.accountUserA)));
      // And this calendar's 09:30 slot would occupy 09:30-10:30.
      expect(codeOf(await book(w.calendarA, '2030-06-03T09:30', as(w.accountUserA)))).toBe('SLOT_UNAVAILABLE');
    });

    test('the daily cap: a member with that many appointments on this calendar that local day is not free for more', async () => {
      await t.app.ds.query(`UPDATE calendars SET max_appointments_per_day = 2 WHERE id = $1`, [w.calendarA]);
      ok(await book(w.calendarA, '2030-06-03T09:00', as(w.accountUserA)));
      ok(await book(w.calendarA, '2030-06-03T11:00', as(w.accountUserA)));
      expect(codeOf(await book(w.calendarA, '2030-06-03T13:00', as(w.accountUserA)))).toBe('SLOT_UNAVAILABLE');
      ok(await book(w.calendarA, '2030-06-04T09:00', as(w.accountUserA)));
    });
  });

  describe('rescheduleAppointment', () => {
    test('moves to another free slot; its own current time does not count against it; writes follow', async () => {
      const linked = await insertLinkedCalendar(t.app.ds, { agencyId: w.agencyId, locationId: w.locA, userId: w.accountUserA });
      await t.app.ds.query(`UPDATE calendars SET slot_duration_minutes = 60, slot_interval_minutes = 30 WHERE id = $1`, [w.calendarA]);
      const a = ok(await book(w.calendarA, '2030-06-03T10:00', as(w.accountUserA))).bookAppointment;
      // 10:30-11:30 overlaps only its own 10:00-11:00.
      const moved = ok(await t.gql(RescheduleAppointmentDocument, { id: a.id, startTime: iso('2030-06-03T10:30') }, as(w.agencyUser))).rescheduleAppointment;
      expect(moved).toMatchObject({ id: a.id, startTime: iso('2030-06-03T10:30'), endTime: iso('2030-06-03T11:30'), status: 'CONFIRMED', providerWriteState: 'PENDING' });
      // Never written yet: the outbox still creates it, at version 2.
      expect(await writeRows(a.id)).toEqual([{ user_id: w.accountUserA, state: 'PENDING', operation: 'CREATE', version: 2, provider_calendar_id: linked }]);
      await t.app.ds.query(`UPDATE appointment_writes SET state = 'WRITTEN', written_version = 2, external_event_id = 'ev1' WHERE appointment_id = $1`, [a.id]);
      ok(await t.gql(RescheduleAppointmentDocument, { id: a.id, startTime: iso('2030-06-03T13:00') }, t.serviceToken));
      expect(await writeRows(a.id)).toEqual([{ user_id: w.accountUserA, state: 'PENDING', operation: 'UPDATE', version: 3, provider_calendar_id: linked }]);
      // The old time is free again.
      ok(await book(w.calendarA, '2030-06-03T10:00', as(w.accountUserA)));
    });

    test('onto busy time → SLOT_UNAVAILABLE; off the grid → BAD_USER_INPUT naming startTime; unknown or invisible → NOT_FOUND', async () => {
      const a = ok(await book(w.calendarA, '2030-06-03T10:00', as(w.accountUserA))).bookAppointment;
      ok(await book(w.calendarA, '2030-06-03T11:00', as(w.accountUserA)));
      expect(codeOf(await t.gql(RescheduleAppointmentDocument, { id: a.id, startTime: iso('2030-06-03T11:00') }, as(w.accountUserA)))).toBe('SLOT_UNAVAILABLE');
      expect(refused(await t.gql(RescheduleAppointmentDocument, { id: a.id, startTime: iso('2030-06-03T11:05') }, as(w.accountUserA)))).toEqual({ code: 'BAD_USER_INPUT', field: 'startTime' });
      expect(codeOf(await t.gql(RescheduleAppointmentDocument, { id: UNKNOWN_ID, startTime: iso('2030-06-03T12:00') }, as(w.accountUserA)))).toBe('NOT_FOUND');
      expect(codeOf(await t.gql(RescheduleAppointmentDocument, { id: 'nope', startTime: iso('2030-06-03T12:00') }, as(w.accountUserA)))).toBe('NOT_FOUND');
      expect(codeOf(await t.gql(RescheduleAppointmentDocument, { id: a.id, startTime: iso('2030-06-03T12:00') }, as(w.accountUserB)))).toBe('NOT_FOUND');
      expect(codeOf(await t.gql(RescheduleAppointmentDocument, { id: a.id, startTime: iso('2030-06-03T12:00') }, as(w.otherAdmin)))).toBe('NOT_FOUND');
      const unchanged = ok(await t.gql(AppointmentsDocument, { locationId: w.locA, from: iso('2030-06-03T00:00'), to: iso('2030-06-04T00:00') }, as(w.accountUserA))).appointments;
      expect(unchanged.find((x) => x.id === a.id)?.startTime).toBe(iso('2030-06-03T10:00'));
    });

    test('a cancelled appointment cannot be rescheduled (BAD_USER_INPUT)', async () => {
      const a = ok(await book(w.calendarA, '2030-06-03T10:00', as(w.accountUserA))).bookAppointment;
      ok(await t.gql(CancelAppointmentDocument, { id: a.id }, as(w.accountUserA)));
      expect(codeOf(await t.gql(RescheduleAppointmentDocument, { id: a.id, startTime: iso('2030-06-03T12:00') }, as(w.accountUserA)))).toBe('BAD_USER_INPUT');
    });
  });

  describe('cancelAppointment', () => {
    test('cancels and frees the time; cancelling again is a no-op that returns it; the outbox deletes linked events', async () => {
      const linked = await insertLinkedCalendar(t.app.ds, { agencyId: w.agencyId, locationId: w.locA, userId: w.accountUserA });
      const a = ok(await book(w.calendarA, '2030-06-03T10:00', as(w.accountUserA))).bookAppointment;
      const cancelled = ok(await t.gql(CancelAppointmentDocument, { id: a.id }, as(w.agencyAdmin))).cancelAppointment;
      expect(cancelled).toMatchObject({ id: a.id, status: 'CANCELLED', startTime: iso('2030-06-03T10:00') });
      expect(await writeRows(a.id)).toEqual([{ user_id: w.accountUserA, state: 'PENDING', operation: 'DELETE', version: 2, provider_calendar_id: linked }]);
      expect(ok(await t.gql(CancelAppointmentDocument, { id: a.id }, t.serviceToken)).cancelAppointment).toEqual(cancelled);
      expect(await writeRows(a.id)).toEqual([{ user_id: w.accountUserA, state: 'PENDING', operation: 'DELETE', version: 2, provider_calendar_id: linked }]);
      ok(await book(w.calendarA, '2030-06-03T10:00', as(w.accountUserA)));
    });

    test('unknown or invisible → NOT_FOUND', async () => {
      const a = ok(await book(w.calendarA, '2030-06-03T10:00', as(w.accountUserA))).bookAppointment;
      expect(codeOf(await t.gql(CancelAppointmentDocument, { id: UNKNOWN_ID }, as(w.accountUserA)))).toBe('NOT_FOUND');
      expect(codeOf(await t.gql(CancelAppointmentDocument, { id: a.id }, as(w.accountUserB)))).toBe('NOT_FOUND');
      expect(codeOf(await t.gql(CancelAppointmentDocument, { id: a.id }, as(w.otherUser)))).toBe('NOT_FOUND');
      expect(codeOf(await t.gql(CancelAppointmentDocument, { id: a.id }, null))).toBe('UNAUTHENTICATED');
    });
  });

  describe('appointments', () => {
    test('a location’s appointments overlapping [from, to), every user or one, cancelled ones included', async () => {
      const rr = await insertCalendar(t.app.ds, w.agencyId, w.locA, [w.agencyUser], 'ROUND_ROBIN');
      const a1 = ok(await book(w.calendarA, '2030-06-03T10:00', as(w.accountUserA))).bookAppointment;
      const a2 = ok(await book(rr, '2030-06-03T09:00', as(w.accountUserA))).bookAppointment;
      const a3 = ok(await book(w.calendarA, '2030-06-04T10:00', as(w.accountUserA))).bookAppointment;
      ok(await t.gql(CancelAppointmentDocument, { id: a3.id }, as(w.accountUserA)));
      ok(await book(w.calendarB, '2030-06-03T10:00', as(w.accountUserB)));

      const monday = { locationId: w.locA, from: iso('2030-06-03T00:00'), to: iso('2030-06-04T00:00') };
      const ids = (r: GqlResult<{ appointments: Array<{ id: string }> }>) => ok(r).appointments.map((x) => x.id);
      expect(ids(await t.gql(AppointmentsDocument, monday, as(w.accountUserA)))).toEqual([a2.id, a1.id]);
      expect(ids(await t.gql(AppointmentsDocument, { ...monday, userId: w.agencyUser }, as(w.accountUserA)))).toEqual([a2.id]);
      expect(ids(await t.gql(AppointmentsDocument, { ...monday, to: iso('2030-06-05T00:00') }, t.serviceToken))).toEqual([a2.id, a1.id, a3.id]);
      // [from, to) overlaps: an appointment ending at from is not in it.
      expect(ids(await t.gql(AppointmentsDocument, { ...monday, from: iso('2030-06-03T10:30') }, as(w.agencyAdmin)))).toEqual([]);
    });

    test('checks: range over 62 days and userId outside the location → BAD_USER_INPUT; unknown or invisible location → NOT_FOUND', async () => {
      const range = { from: iso('2030-06-03T00:00'), to: iso('2030-06-04T00:00') };
      expect(refused(await t.gql(AppointmentsDocument, { locationId: UNKNOWN_ID, from: range.from, to: iso('2030-08-05T00:00') }, as(w.accountUserA)))).toEqual({ code: 'BAD_USER_INPUT', field: 'to' });
      expect(refused(await t.gql(AppointmentsDocument, { locationId: w.locA, ...range, userId: w.accountUserB }, as(w.accountUserA)))).toEqual({ code: 'BAD_USER_INPUT', field: 'userId' });
      expect(codeOf(await t.gql(AppointmentsDocument, { locationId: UNKNOWN_ID, ...range }, as(w.accountUserA)))).toBe('NOT_FOUND');
      expect(codeOf(await t.gql(AppointmentsDocument, { locationId: w.locB, ...range }, as(w.accountUserA)))).toBe('NOT_FOUND');
      expect(codeOf(await t.gql(AppointmentsDocument, { locationId: w.locA, ...range }, null))).toBe('UNAUTHENTICATED');
    });
  });

  test('conflictsChanged: a graphql-ws subscriber sees the occupied range of a booking, a reschedule and a cancel', async () => {
    await t.app.ds.query(`UPDATE calendars SET buffer_before_minutes = 10, buffer_after_minutes = 5 WHERE id = $1`, [w.calendarA]);
    const client = wsClient(t.wsUrl, as(w.accountAdminA));
    try {
      const sub = subscribe(client, ConflictsChangedDocument, { locationId: w.locA, userId: w.accountUserA });
      // Live once something arrives: bookings on the other days publish until then.
      const probes: string[] = [];
      const first = await untilLive(sub, async () => {
        const r = ok(await book(w.calendarA, `2030-06-07T${String(9 + probes.length).padStart(2, '0')}:00`, as(w.accountUserA))).bookAppointment;
        probes.push(r.id);
      });
      expect(first.data?.conflictsChanged).toMatchObject({ userId: w.accountUserA, locationId: w.locA });

      const a = ok(await book(w.calendarA, '2030-06-03T10:00', as(w.accountUserA))).bookAppointment;
      const range = (local: string, minutes: number) => ({ from: new Date(at(local).getTime() - 10 * 60_000).toISOString(), to: new Date(at(local).getTime() + (minutes + 5) * 60_000).toISOString() });
      const is = (r: { from: string; to: string }) => (e: GqlResult<{ conflictsChanged: { from: string; to: string } }>) => e.data?.conflictsChanged.from === r.from && e.data?.conflictsChanged.to === r.to;
      expect((await nextWhere(sub, is(range('2030-06-03T10:00', 30)))).data?.conflictsChanged).toEqual({ userId: w.accountUserA, locationId: w.locA, ...range('2030-06-03T10:00', 30) });

      ok(await t.gql(RescheduleAppointmentDocument, { id: a.id, startTime: iso('2030-06-03T14:00') }, as(w.accountUserA)));
      await nextWhere(sub, is(range('2030-06-03T10:00', 30)));
      await nextWhere(sub, is(range('2030-06-03T14:00', 30)));
      ok(await t.gql(CancelAppointmentDocument, { id: a.id }, as(w.accountUserA)));
      await nextWhere(sub, is(range('2030-06-03T14:00', 30)));
      sub.dispose();
    } finally {
      await client.dispose();
    }
  });
});
