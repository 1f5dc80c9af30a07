import { DateTime } from 'luxon';
import { bookableSlots, checkSlotStart, gridSlots, GridSettings, TimeRules } from '../../src/scheduling/availability/slot-grid';
import { DEFAULT_WEEKLY_HOURS } from '../../src/scheduling/settings/calendar-settings';
import { Weekday } from '../../src/scheduling/settings/weekday.enum';

const NY = 'America/New_York';
const BERLIN = 'Europe/Berlin';

/** A local date-time of a zone as an instant. */
const at = (zone: string, local: string) => DateTime.fromISO(local, { zone }).toJSDate();
/** Slot starts as local HH:MM. */
const localTimes = (zone: string, slots: Array<{ start: Date }>) => slots.map((s) => DateTime.fromJSDate(s.start, { zone }).toFormat('HH:mm'));
const iso = (slots: Array<{ start: Date }>) => slots.map((s) => s.start.toISOString());

function settings(over: Partial<GridSettings & TimeRules> = {}): GridSettings & TimeRules {
  return {
    zone: NY,
    slotDurationMinutes: 30,
    slotIntervalMinutes: 30,
    weeklyHours: DEFAULT_WEEKLY_HOURS,
    dateOverrides: [],
    minimumNoticeMinutes: 0,
    bookingWindowDays: 60,
    ...over,
  };
}
const every = (day: Weekday, start: string, end: string) => ({ day, windows: [{ start, end }] });
const ALL_DAYS = Object.values(Weekday);

describe('slot grid (PRODUCT.md "Availability")', () => {
  test('default hours: Monday to Friday 09:00-17:00, 30-minute slots, none at the weekend', () => {
    // 2025-06-09 is a Monday.
    const slots = gridSlots(settings(), at(NY, '2025-06-09T00:00'), at(NY, '2025-06-16T00:00'));
    expect(slots).toHaveLength(5 * 16);
    expect(localTimes(NY, slots.slice(0, 16))).toEqual(Array.from({ length: 16 }, (_, i) => DateTime.fromObject({ hour: 9 }).plus({ minutes: 30 * i }).toFormat('HH:mm')));
    expect(slots[0]).toEqual({ start: new Date('2025-06-09T13:00:00Z'), end: new Date('2025-06-09T13:30:00Z'), localDate: '2025-06-09' });
    expect(new Set(slots.map((s) => s.localDate))).toEqual(new Set(['2025-06-09', '2025-06-10', '2025-06-11', '2025-06-12', '2025-06-13']));
  });

  test('slots start every interval from each window start, last the duration and end inside the window', () => {
    const s = settings({
      slotDurationMinutes: 30,
      slotIntervalMinutes: 20,
      weeklyHours: [{ day: Weekday.MONDAY, windows: [{ start: '09:10', end: '10:20' }, { start: '13:00', end: '14:00' }, { start: '23:00', end: '24:00' }] }],
    });
    const slots = gridSlots(s, at(NY, '2025-06-09T00:00'), at(NY, '2025-06-10T00:00'));
    // 09:10, 09:30, 09:50 (ends 10:20); 10:10 would end 10:40. 13:00, 13:20 (13:40 would end 14:10). 23:00, 23:20.
    expect(localTimes(NY, slots)).toEqual(['09:10', '09:30', '09:50', '13:00', '13:20', '23:00', '23:20']);
    expect(slots[slots.length - 1].end).toEqual(at(NY, '2025-06-09T23:50'));
  });

  test('a date override replaces that date; an empty one closes it', () => {
    const s = settings({
      dateOverrides: [
        { date: '2025-06-09', windows: [{ start: '18:00', end: '19:00' }] },
        { date: '2025-06-10', windows: [] },
        { date: '2025-06-14', windows: [{ start: '10:00', end: '11:00' }] },
      ],
    });
    const slots = gridSlots(s, at(NY, '2025-06-09T00:00'), at(NY, '2025-06-16T00:00'));
    const byDay = (d: string) => localTimes(NY, slots.filter((x) => x.localDate === d));
    expect(byDay('2025-06-09')).toEqual(['18:00', '18:30']);
    expect(byDay('2025-06-10')).toEqual([]);
    expect(byDay('2025-06-11')).toHaveLength(16);
    expect(byDay('2025-06-14')).toEqual(['10:00', '10:30']);
  });

  test('[from, to) selects slots that start inside it', () => {
    const slots = gridSlots(settings(), at(NY, '2025-06-09T09:15'), at(NY, '2025-06-09T10:30'));
    expect(localTimes(NY, slots)).toEqual(['09:30', '10:00']);
  });

  describe.each([
    // [zone, spring-forward Sunday, fall-back Sunday, UTC of 09:00 the Saturday before and the Sunday of each]
    [NY, '2025-03-09', '2025-11-02', ['2025-03-08T14:00:00.000Z', '2025-03-09T13:00:00.000Z'], ['2025-11-01T13:00:00.000Z', '2025-11-02T14:00:00.000Z']],
    [BERLIN, '2025-03-30', '2025-10-26', ['2025-03-29T08:00:00.000Z', '2025-03-30T07:00:00.000Z'], ['2025-10-25T07:00:00.000Z', '2025-10-26T08:00:00.000Z']],
  ])('across DST in %s, local times hold', (zone, spring, fall, springUtc, fallUtc) => {
    const s = settings({ zone, weeklyHours: ALL_DAYS.map((d) => every(d, '09:00', '10:00')), slotDurationMinutes: 60, slotIntervalMinutes: 60 });
    const dayBefore = (date: string) => DateTime.fromISO(date).minus({ days: 1 }).toISODate()!;

    test.each([
      ['spring forward', spring, springUtc],
      ['fall back', fall, fallUtc],
    ])('%s: 09:00 stays 09:00 local on the day before and the day of the change', (_change, date, utc) => {
      const slots = gridSlots(s, at(zone, `${dayBefore(date as string)}T00:00`), at(zone, `${date}T23:59`));
      expect(localTimes(zone, slots)).toEqual(['09:00', '09:00']);
      expect(iso(slots)).toEqual(utc);
      expect(slots.map((x) => x.end.getTime() - x.start.getTime())).toEqual([3_600_000, 3_600_000]);
    });

    test('a window across the change: the skipped hour has no slot; the repeated hour has one', () => {
      const nightly = { ...s, weeklyHours: ALL_DAYS.map((d) => every(d, '00:00', '05:00')) };
      const springSlots = gridSlots(nightly, at(zone, `${spring}T00:00`), at(zone, `${spring}T12:00`));
      // Both zones skip 02:00-03:00 in spring and repeat it in autumn.
      expect(localTimes(zone, springSlots)).toEqual(['00:00', '01:00', '03:00', '04:00']);
      expect(springSlots.every((x) => x.end.getTime() - x.start.getTime() === 3_600_000)).toBe(true);

      const fallSlots = gridSlots(nightly, at(zone, `${fall}T00:00`), at(zone, `${fall}T12:00`));
      // Six real hours that day, five local grid times: each local time has one slot.
      expect(localTimes(zone, fallSlots)).toEqual(['00:00', '01:00', '02:00', '03:00', '04:00']);
      expect(new Set(iso(fallSlots)).size).toBe(5);
    });

    test('a week of slots across each change keeps 09:00 local every day', () => {
      for (const date of [spring, fall]) {
        const from = DateTime.fromISO(date as string, { zone }).minus({ days: 3 });
        const slots = gridSlots(s, from.toJSDate(), from.plus({ days: 7 }).toJSDate());
        expect(slots).toHaveLength(7);
        expect(new Set(localTimes(zone, slots))).toEqual(new Set(['09:00']));
      }
    });
  });

  describe('notice and booking window, relative to an injected now', () => {
    // Monday 2025-06-09 10:05 New York.
    const now = at(NY, '2025-06-09T10:05');

    test('no slot before now + minimumNoticeMinutes, none after now + bookingWindowDays', () => {
      const slots = bookableSlots(settings({ minimumNoticeMinutes: 60, bookingWindowDays: 1 }), at(NY, '2025-06-09T00:00'), at(NY, '2025-06-12T00:00'), now);
      const monday = localTimes(NY, slots.filter((x) => x.localDate === '2025-06-09'));
      const tuesday = localTimes(NY, slots.filter((x) => x.localDate === '2025-06-10'));
      expect(monday[0]).toBe('11:30'); // 11:05 is the earliest start
      expect(monday[monday.length - 1]).toBe('16:30');
      expect(tuesday).toEqual(['09:00', '09:30', '10:00']); // the latest start is Tuesday 10:05
      expect(slots.some((x) => x.localDate === '2025-06-11')).toBe(false);
    });

    test('without notice nothing in the past is offered', () => {
      const slots = bookableSlots(settings(), at(NY, '2025-06-09T00:00'), at(NY, '2025-06-10T00:00'), now);
      expect(localTimes(NY, slots)[0]).toBe('10:30');
    });

    test('checkSlotStart tells a bookable start from one off the grid, past, inside the notice or beyond the window', () => {
      const s = settings({ minimumNoticeMinutes: 120, bookingWindowDays: 7 });
      expect(checkSlotStart(s, at(NY, '2025-06-10T09:00'), now)).toEqual({ slot: { start: at(NY, '2025-06-10T09:00'), end: at(NY, '2025-06-10T09:30'), localDate: '2025-06-10' } });
      expect(checkSlotStart(s, at(NY, '2025-06-10T09:10'), now)).toEqual({ problem: 'OFF_GRID' });
      expect(checkSlotStart(s, at(NY, '2025-06-14T09:00'), now)).toEqual({ problem: 'OFF_GRID' }); // Saturday: closed
      expect(checkSlotStart(s, at(NY, '2025-06-10T08:30'), now)).toEqual({ problem: 'OFF_GRID' }); // before the window
      expect(checkSlotStart(s, at(NY, '2025-06-09T09:30'), now)).toEqual({ problem: 'PAST' });
      expect(checkSlotStart(s, at(NY, '2025-06-09T11:30'), now)).toEqual({ problem: 'NOTICE' });
      expect(checkSlotStart(s, at(NY, '2025-06-09T12:30'), now)).toHaveProperty('slot');
      expect(checkSlotStart(s, at(NY, '2025-06-16T10:00'), now)).toHaveProperty('slot');
      expect(checkSlotStart(s, at(NY, '2025-06-16T10:30'), now)).toEqual({ problem: 'BEYOND_WINDOW' });
    });
  });
});
