import { CalendarSettingsByIdDocument, CreateCalendarWithSettingsDocument, UpdateCalendarSettingsDocument } from '../generated/graphql';
import { tenancyState } from '../support/db-state';
import { buildWorld, World } from '../support/fixtures';
import { codeOf, GqlResult, startTestApp, TestApp } from '../support/test-app';

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const NINE_TO_FIVE = [{ start: '09:00', end: '17:00' }];
const WEEKDAYS_NINE_TO_FIVE = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'].map((day) => ({ day, windows: NINE_TO_FIVE }));

describe('calendar settings over GraphQL (createCalendar, updateCalendar, calendar)', () => {
  let t: TestApp;
  let w: World;
  const as = (userId: string) => t.tokenFor(userId);

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.stop());
  beforeEach(async () => {
    w = await buildWorld(t.app.ds);
  });

  function ok<R>(r: GqlResult<R>): R {
    expect(r.errors).toBeUndefined();
    return r.data!;
  }

  const base = () => ({ locationId: w.locA, name: 'Consult', type: 'ROUND_ROBIN' as const, teamMemberIds: [w.accountUserA], slotDurationMinutes: 30 });

  test('settings left out take their defaults on create', async () => {
    const cal = ok(await t.gql(CreateCalendarWithSettingsDocument, { input: base() }, as(w.accountAdminA))).createCalendar;
    expect(cal).toEqual({
      id: expect.any(String),
      slotDurationMinutes: 30,
      slotIntervalMinutes: 30,
      bufferBeforeMinutes: 0,
      bufferAfterMinutes: 0,
      minimumNoticeMinutes: 0,
      bookingWindowDays: 60,
      maxAppointmentsPerDay: null,
      weeklyHours: WEEKDAYS_NINE_TO_FIVE,
      dateOverrides: [],
      meetingProvider: 'NONE',
    });
  });

  test('every setting given on create is stored and read back, lists normalised', async () => {
    const input = {
      ...base(),
      slotIntervalMinutes: 15,
      bufferBeforeMinutes: 5,
      bufferAfterMinutes: 10,
      minimumNoticeMinutes: 120,
      bookingWindowDays: 14,
      maxAppointmentsPerDay: 4,
      weeklyHours: [
        { day: 'SATURDAY' as const, windows: [{ start: '10:00', end: '12:00' }] },
        { day: 'MONDAY' as const, windows: [{ start: '13:00', end: '24:00' }, { start: '08:00', end: '12:00' }] },
      ],
      dateOverrides: [
        { date: '2026-12-25', windows: [] },
        { date: '2026-12-24', windows: [{ start: '09:00', end: '12:00' }] },
      ],
      meetingProvider: 'GOOGLE_MEET' as const,
    };
    const created = ok(await t.gql(CreateCalendarWithSettingsDocument, { input }, as(w.agencyAdmin))).createCalendar;
    const expected = {
      id: created.id,
      slotDurationMinutes: 30,
      slotIntervalMinutes: 15,
      bufferBeforeMinutes: 5,
      bufferAfterMinutes: 10,
      minimumNoticeMinutes: 120,
      bookingWindowDays: 14,
      maxAppointmentsPerDay: 4,
      weeklyHours: [
        { day: 'MONDAY', windows: [{ start: '08:00', end: '12:00' }, { start: '13:00', end: '24:00' }] },
        { day: 'SATURDAY', windows: [{ start: '10:00', end: '12:00' }] },
      ],
      dateOverrides: [
        { date: '2026-12-24', windows: [{ start: '09:00', end: '12:00' }] },
        { date: '2026-12-25', windows: [] },
      ],
      meetingProvider: 'GOOGLE_MEET',
    };
    expect(created).toEqual(expected);
    // Any member may read them.
    expect(ok(await t.gql(CalendarSettingsByIdDocument, { id: created.id }, as(w.accountUserA))).calendar).toEqual(expected);
  });

  test('update: absent settings stay, given ones change, lists replace the whole list, 0 removes the cap', async () => {
    const { id } = ok(
      await t.gql(
        CreateCalendarWithSettingsDocument,
        { input: { ...base(), bufferAfterMinutes: 10, maxAppointmentsPerDay: 3, dateOverrides: [{ date: '2026-01-01', windows: [] }] } },
        as(w.accountAdminA),
      ),
    ).createCalendar;

    const renamedOnly = ok(await t.gql(UpdateCalendarSettingsDocument, { input: { id, name: 'Renamed' } }, as(w.accountAdminA))).updateCalendar;
    expect(renamedOnly).toMatchObject({ bufferAfterMinutes: 10, maxAppointmentsPerDay: 3, dateOverrides: [{ date: '2026-01-01', windows: [] }], weeklyHours: WEEKDAYS_NINE_TO_FIVE });

    const changed = ok(
      await t.gql(
        UpdateCalendarSettingsDocument,
        { input: { id, maxAppointmentsPerDay: 0, weeklyHours: [{ day: 'SUNDAY', windows: [{ start: '00:00', end: '24:00' }] }], dateOverrides: [], bookingWindowDays: 730 } },
        as(w.accountAdminA),
      ),
    ).updateCalendar;
    expect(changed).toMatchObject({
      bufferAfterMinutes: 10,
      maxAppointmentsPerDay: null,
      weeklyHours: [{ day: 'SUNDAY', windows: [{ start: '00:00', end: '24:00' }] }],
      dateOverrides: [],
      bookingWindowDays: 730,
    });
    expect(ok(await t.gql(CalendarSettingsByIdDocument, { id }, as(w.accountAdminA))).calendar).toEqual(changed);
  });

  test('null counts as left out: the default on create, unchanged on update (0, not null, removes the cap)', async () => {
    const nulls = { slotIntervalMinutes: null, bufferBeforeMinutes: null, bufferAfterMinutes: null, minimumNoticeMinutes: null, bookingWindowDays: null, maxAppointmentsPerDay: null, weeklyHours: null, dateOverrides: null, meetingProvider: null };
    const created = ok(await t.gql(CreateCalendarWithSettingsDocument, { input: { ...base(), ...nulls } }, as(w.accountAdminA))).createCalendar;
    expect(created).toMatchObject({ slotIntervalMinutes: 30, bufferBeforeMinutes: 0, bookingWindowDays: 60, maxAppointmentsPerDay: null, weeklyHours: WEEKDAYS_NINE_TO_FIVE, dateOverrides: [], meetingProvider: 'NONE' });
    const settings = {
      slotIntervalMinutes: 15, bufferBeforeMinutes: 5, bufferAfterMinutes: 10, minimumNoticeMinutes: 60, bookingWindowDays: 30, maxAppointmentsPerDay: 3,
      weeklyHours: [{ day: 'TUESDAY' as const, windows: [{ start: '10:00', end: '12:00' }] }], dateOverrides: [{ date: '2031-01-01', windows: [] }], meetingProvider: 'AUTO' as const,
    };
    const set = ok(await t.gql(UpdateCalendarSettingsDocument, { input: { id: created.id, ...settings } }, as(w.accountAdminA))).updateCalendar;
    const kept = ok(await t.gql(UpdateCalendarSettingsDocument, { input: { id: created.id, name: null, teamMemberIds: null, slotDurationMinutes: null, ...nulls } }, as(w.accountAdminA))).updateCalendar;
    expect(kept).toEqual(set);
    expect(kept).toMatchObject(settings);
  });

  test('the slot interval follows the duration until one is set', async () => {
    const { id } = ok(await t.gql(CreateCalendarWithSettingsDocument, { input: base() }, as(w.accountAdminA))).createCalendar;
    expect(ok(await t.gql(UpdateCalendarSettingsDocument, { input: { id, slotDurationMinutes: 60 } }, as(w.accountAdminA))).updateCalendar).toMatchObject({ slotDurationMinutes: 60, slotIntervalMinutes: 60 });
    expect(ok(await t.gql(UpdateCalendarSettingsDocument, { input: { id, slotIntervalMinutes: 20 } }, as(w.accountAdminA))).updateCalendar).toMatchObject({ slotDurationMinutes: 60, slotIntervalMinutes: 20 });
    expect(ok(await t.gql(UpdateCalendarSettingsDocument, { input: { id, slotDurationMinutes: 45 } }, as(w.accountAdminA))).updateCalendar).toMatchObject({ slotDurationMinutes: 45, slotIntervalMinutes: 20 });
  });

  test.each([
    ['overlapping windows', { weeklyHours: [{ day: 'MONDAY', windows: [{ start: '09:00', end: '12:00' }, { start: '11:00', end: '14:00' }] }] }, 'weeklyHours'],
    ['25:00', { weeklyHours: [{ day: 'MONDAY', windows: [{ start: '09:00', end: '25:00' }] }] }, 'weeklyHours'],
    ['end before start', { weeklyHours: [{ day: 'FRIDAY', windows: [{ start: '17:00', end: '09:00' }] }] }, 'weeklyHours'],
    ['a date that is not a date', { dateOverrides: [{ date: '2026-02-30', windows: [] }] }, 'dateOverrides'],
    ['a slot interval of 4', { slotIntervalMinutes: 4 }, 'slotIntervalMinutes'],
    ['a buffer of 241', { bufferBeforeMinutes: 241 }, 'bufferBeforeMinutes'],
    ['a negative buffer', { bufferAfterMinutes: -5 }, 'bufferAfterMinutes'],
    ['a negative notice', { minimumNoticeMinutes: -1 }, 'minimumNoticeMinutes'],
    ['a booking window of 0 days', { bookingWindowDays: 0 }, 'bookingWindowDays'],
    ['a booking window of 731 days', { bookingWindowDays: 731 }, 'bookingWindowDays'],
    ['a negative cap', { maxAppointmentsPerDay: -1 }, 'maxAppointmentsPerDay'],
  ] as const)('%s → BAD_USER_INPUT naming %s, on create and on update, nothing written', async (_case, settings, field) => {
    const before = await tenancyState(t.app.ds);
    const created = await t.gql(CreateCalendarWithSettingsDocument, { input: { ...base(), ...settings } as never }, as(w.accountAdminA));
    expect(codeOf(created)).toBe('BAD_USER_INPUT');
    expect(created.errors?.[0].extensions?.field).toBe(field);
    const updated = await t.gql(UpdateCalendarSettingsDocument, { input: { id: w.calendarA, ...settings } as never }, as(w.accountAdminA));
    expect(codeOf(updated)).toBe('BAD_USER_INPUT');
    expect(updated.errors?.[0].extensions?.field).toBe(field);
    expect(await tenancyState(t.app.ds)).toEqual(before);
  });

  test('order of checks: bad settings are BAD_USER_INPUT before NOT_FOUND and FORBIDDEN', async () => {
    const bad = { bufferBeforeMinutes: 999 };
    expect(codeOf(await t.gql(UpdateCalendarSettingsDocument, { input: { id: UNKNOWN_ID, ...bad } }, as(w.accountAdminA)))).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.gql(UpdateCalendarSettingsDocument, { input: { id: w.calendarA, ...bad } }, as(w.accountUserA)))).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.gql(UpdateCalendarSettingsDocument, { input: { id: w.calendarA, bufferBeforeMinutes: 10 } }, as(w.accountUserA)))).toBe('FORBIDDEN');
    expect(codeOf(await t.gql(UpdateCalendarSettingsDocument, { input: { id: UNKNOWN_ID, bufferBeforeMinutes: 10 } }, as(w.accountAdminA)))).toBe('NOT_FOUND');
  });
});
