import { DomainError } from '../../src/app/errors/domain.error';
import { isIsoDate, minutesOfTime, settingsPatch, SettingsInput, validateDateOverrides, validateWeeklyHours } from '../../src/scheduling/settings/calendar-settings';
import { MeetingProvider } from '../../src/scheduling/settings/meeting-provider.enum';
import { Weekday } from '../../src/scheduling/settings/weekday.enum';

/** The field a BAD_USER_INPUT names, and its message. */
function refusal(fn: () => unknown): { code: string; field: unknown; message: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return { code: err.code, field: err.extensions.field, message: err.message };
    throw err;
  }
  throw new Error('expected a refusal');
}

const w = (start: string, end: string) => ({ start, end });

describe('calendar settings validation (PRODUCT.md "Availability")', () => {
  test('times of day are HH:MM from 00:00 to 24:00', () => {
    expect(minutesOfTime('00:00')).toBe(0);
    expect(minutesOfTime('09:30')).toBe(570);
    expect(minutesOfTime('23:59')).toBe(1439);
    expect(minutesOfTime('24:00')).toBe(1440);
    for (const bad of ['25:00', '24:01', '9:00', '09:60', '0900', '', 'noon', '09:00:00', ' 09:00']) expect(minutesOfTime(bad)).toBeNull();
  });

  test('dates are real YYYY-MM-DD dates', () => {
    expect(isIsoDate('2025-03-09')).toBe(true);
    expect(isIsoDate('2024-02-29')).toBe(true);
    for (const bad of ['2025-02-29', '2025-13-01', '2025-3-9', '09/03/2025', 'tomorrow', '2025-03-09T00:00']) expect(isIsoDate(bad)).toBe(false);
  });

  test('weekly hours: several windows a day, sorted; days in weekday order; 24:00 allowed', () => {
    const hours = validateWeeklyHours([
      { day: Weekday.WEDNESDAY, windows: [w('13:00', '17:00'), w('08:00', '12:00')] },
      { day: Weekday.MONDAY, windows: [w('12:00', '13:00'), w('13:00', '24:00')] },
      { day: Weekday.SUNDAY, windows: [] },
    ]);
    expect(hours).toEqual([
      { day: 'MONDAY', windows: [w('12:00', '13:00'), w('13:00', '24:00')] },
      { day: 'WEDNESDAY', windows: [w('08:00', '12:00'), w('13:00', '17:00')] },
      { day: 'SUNDAY', windows: [] },
    ]);
  });

  test.each([
    ['overlapping windows', [{ day: Weekday.MONDAY, windows: [w('09:00', '12:00'), w('11:00', '13:00')] }], /09:00-12:00 and 11:00-13:00 overlap/],
    ['25:00', [{ day: Weekday.MONDAY, windows: [w('09:00', '25:00')] }], /"25:00" is not a time of day/],
    ['end before start', [{ day: Weekday.TUESDAY, windows: [w('17:00', '09:00')] }], /must end after it starts/],
    ['an empty window', [{ day: Weekday.TUESDAY, windows: [w('09:00', '09:00')] }], /must end after it starts/],
    ['a day twice', [{ day: Weekday.MONDAY, windows: [] }, { day: Weekday.MONDAY, windows: [] }], /MONDAY is listed twice/],
  ])('weekly hours with %s → BAD_USER_INPUT naming weeklyHours', (_name, input, message) => {
    const r = refusal(() => validateWeeklyHours(input));
    expect(r).toMatchObject({ code: 'BAD_USER_INPUT', field: 'weeklyHours' });
    expect(r.message).toMatch(message);
  });

  test('date overrides: sorted by date; an empty list closes the date', () => {
    expect(validateDateOverrides([{ date: '2025-12-25', windows: [] }, { date: '2025-12-24', windows: [w('09:00', '12:00')] }])).toEqual([
      { date: '2025-12-24', windows: [w('09:00', '12:00')] },
      { date: '2025-12-25', windows: [] },
    ]);
  });

  test.each([
    ['a date that is not a date', [{ date: '2025-02-30', windows: [] }], /"2025-02-30" is not a date/],
    ['a date twice', [{ date: '2025-12-24', windows: [] }, { date: '2025-12-24', windows: [] }], /listed twice/],
    ['overlapping windows', [{ date: '2025-12-24', windows: [w('10:00', '11:00'), w('09:00', '10:30')] }], /overlap/],
    ['24:30', [{ date: '2025-12-24', windows: [w('10:00', '24:30')] }], /"24:30" is not a time of day/],
  ])('date overrides with %s → BAD_USER_INPUT naming dateOverrides', (_name, input, message) => {
    const r = refusal(() => validateDateOverrides(input));
    expect(r).toMatchObject({ code: 'BAD_USER_INPUT', field: 'dateOverrides' });
    expect(r.message).toMatch(message);
  });

  test('a patch holds only the settings given; null counts as not given', () => {
    expect(settingsPatch({})).toEqual({});
    expect(settingsPatch({ bufferBeforeMinutes: null, weeklyHours: null, meetingProvider: null })).toEqual({});
    expect(settingsPatch({ slotIntervalMinutes: 15, bufferAfterMinutes: 0, bookingWindowDays: 730, meetingProvider: MeetingProvider.AUTO, weeklyHours: [] })).toEqual({
      slotIntervalMinutes: 15,
      bufferAfterMinutes: 0,
      bookingWindowDays: 730,
      meetingProvider: 'AUTO',
      weeklyHours: [],
    });
  });

  test('maxAppointmentsPerDay 0 removes the cap', () => {
    expect(settingsPatch({ maxAppointmentsPerDay: 0 })).toEqual({ maxAppointmentsPerDay: null });
    expect(settingsPatch({ maxAppointmentsPerDay: 3 })).toEqual({ maxAppointmentsPerDay: 3 });
  });

  test.each<[keyof SettingsInput, number[], number[]]>([
    ['slotIntervalMinutes', [5, 480], [4, 481, 0, 7.5]],
    ['bufferBeforeMinutes', [0, 240], [-1, 241]],
    ['bufferAfterMinutes', [0, 240], [-1, 241]],
    ['minimumNoticeMinutes', [0, 1_051_200], [-1, 1_051_201]],
    ['bookingWindowDays', [1, 730], [0, 731]],
    ['maxAppointmentsPerDay', [0, 1000], [-1, 1001]],
  ])('%s accepts %j and refuses %j naming the field', (field, good, bad) => {
    for (const v of good) expect(() => settingsPatch({ [field]: v })).not.toThrow();
    for (const v of bad) expect(refusal(() => settingsPatch({ [field]: v }))).toMatchObject({ code: 'BAD_USER_INPUT', field });
  });
});
