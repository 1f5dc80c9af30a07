import { DateTime } from 'luxon';
import { BusyInterval } from '../../src/scheduling/availability/busy-time';
import { fairOrder, fairnessWindow } from '../../src/scheduling/availability/fair-pick';
import { FreeSlotRules, freeSlots, occupiedRange } from '../../src/scheduling/availability/free-members';
import { gridSlots } from '../../src/scheduling/availability/slot-grid';
import { CalendarType } from '../../src/scheduling/calendar-type.enum';
import { DEFAULT_WEEKLY_HOURS } from '../../src/scheduling/settings/calendar-settings';

const NY = 'America/New_York';
const at = (local: string) => DateTime.fromISO(local, { zone: NY }).toJSDate();
const hhmm = (d: Date) => DateTime.fromJSDate(d, { zone: NY }).toFormat('HH:mm');

const CAL = 'cal-1';
const OTHER_CAL = 'cal-2';
// Monday 2025-06-09, 09:00-12:00, 30-minute slots.
const slots = gridSlots(
  { zone: NY, slotDurationMinutes: 30, slotIntervalMinutes: 30, weeklyHours: [{ day: DEFAULT_WEEKLY_HOURS[0].day, windows: [{ start: '09:00', end: '12:00' }] }], dateOverrides: [] },
  at('2025-06-09T00:00'),
  at('2025-06-10T00:00'),
);

function rules(over: Partial<FreeSlotRules> = {}): FreeSlotRules {
  return { type: CalendarType.PERSONAL, zone: NY, bufferBeforeMinutes: 0, bufferAfterMinutes: 0, maxAppointmentsPerDay: null, ...over };
}

/** A confirmed appointment as read: its occupied range with its own calendar's buffers; its start when it is on this calendar. */
function appointment(start: string, end: string, before = 0, after = 0, calendarId = OTHER_CAL): BusyInterval {
  const r = occupiedRange(at(start), at(end), before, after);
  const busy: BusyInterval = { kind: 'APPOINTMENT', start: r.from.getTime(), end: r.to.getTime() };
  return calendarId === CAL ? { ...busy, capStart: at(start).getTime() } : busy;
}
const event = (start: string, end: string): BusyInterval => ({ kind: 'EVENT', start: at(start).getTime(), end: at(end).getTime() });

/** Local start times of the slots listed for one member. */
const freeFor = (busy: BusyInterval[], r = rules()) => freeSlots(slots, ['u'], new Map([['u', busy]]), r).map((s) => hhmm(s.start));

describe('free members (PRODUCT.md "Availability")', () => {
  test('a member with nothing booked is free for every slot', () => {
    expect(freeFor([])).toEqual(['09:00', '09:30', '10:00', '10:30', '11:00', '11:30']);
  });

  test("an appointment takes its occupied range with its own calendar's buffers", () => {
    // 10:00-10:30 on another calendar with 10 minutes after: occupied 10:00-10:40.
    expect(freeFor([appointment('2025-06-09T10:00', '2025-06-09T10:30', 0, 10)])).toEqual(['09:00', '09:30', '11:00', '11:30']);
  });

  test("this calendar's buffers extend the slot against appointments", () => {
    const busy = [appointment('2025-06-09T10:00', '2025-06-09T10:30')];
    // 15 minutes after: the 09:30 slot occupies 09:30-10:15, which meets the 10:00 appointment.
    expect(freeFor(busy, rules({ bufferAfterMinutes: 15 }))).toEqual(['09:00', '10:30', '11:00', '11:30']);
    // 10 minutes before: the 10:30 slot occupies 10:20-11:00.
    expect(freeFor(busy, rules({ bufferBeforeMinutes: 10 }))).toEqual(['09:00', '09:30', '11:00', '11:30']);
    // Ranges that only touch do not overlap.
    expect(freeFor(busy, rules({ bufferBeforeMinutes: 0, bufferAfterMinutes: 0 }))).toEqual(['09:00', '09:30', '10:30', '11:00', '11:30']);
  });

  test('third-party events are not extended: they only must not overlap the slot itself', () => {
    const busy = [event('2025-06-09T10:00', '2025-06-09T10:30')];
    expect(freeFor(busy, rules({ bufferBeforeMinutes: 30, bufferAfterMinutes: 30 }))).toEqual(['09:00', '09:30', '10:30', '11:00', '11:30']);
    // An event of a few minutes inside a slot takes the slot; a long one takes every slot it covers.
    expect(freeFor([event('2025-06-09T09:40', '2025-06-09T09:45'), event('2025-06-09T10:45', '2025-06-10T00:00')])).toEqual(['09:00', '10:00']);
  });

  test('overlapping and nested intervals in any order', () => {
    const busy = [event('2025-06-09T10:00', '2025-06-09T11:00'), event('2025-06-09T09:00', '2025-06-09T12:00'), appointment('2025-06-09T09:00', '2025-06-09T09:30')];
    expect(freeFor(busy)).toEqual([]);
    expect(freeFor([event('2025-06-09T09:10', '2025-06-09T09:20'), event('2025-06-09T09:15', '2025-06-09T10:10')])).toEqual(['10:30', '11:00', '11:30']);
  });

  test('the daily cap counts confirmed appointments on this calendar per local day', () => {
    const r = rules({ maxAppointmentsPerDay: 2 });
    const one = [appointment('2025-06-09T11:30', '2025-06-09T12:00', 0, 0, CAL)];
    expect(freeFor(one, r)).toEqual(['09:00', '09:30', '10:00', '10:30', '11:00']);
    // Two on this calendar that local day: closed for the member, even at times still free.
    const two = [...one, appointment('2025-06-09T09:00', '2025-06-09T09:30', 0, 0, CAL)];
    expect(freeFor(two, r)).toEqual([]);
    // Other calendars' appointments take their time but do not count toward this calendar's cap.
    expect(freeFor([...one, appointment('2025-06-09T09:00', '2025-06-09T09:30')], r)).toEqual(['09:30', '10:00', '10:30', '11:00']);
    // The local day decides: 23:30 Sunday in New York is Monday in UTC, and does not count for Monday.
    expect(freeFor([...one, appointment('2025-06-08T23:30', '2025-06-09T00:00', 0, 0, CAL)], r)).toEqual(['09:00', '09:30', '10:00', '10:30', '11:00']);
  });

  describe('calendar types', () => {
    const busy = new Map<string, BusyInterval[]>([
      ['a', [event('2025-06-09T09:00', '2025-06-09T10:00')]],
      ['b', [event('2025-06-09T09:30', '2025-06-09T11:00')]],
      ['c', []],
    ]);
    const listed = (type: CalendarType, members: string[]) => freeSlots(slots, members, busy, rules({ type })).map((s) => `${hhmm(s.start)} ${s.userIds.join('')}`);

    test.each([CalendarType.ROUND_ROBIN, CalendarType.SERVICE])('%s lists a slot when any member is free, with the free ones', (type) => {
      expect(listed(type, ['a', 'b'])).toEqual(['09:00 b', '10:00 a', '10:30 a', '11:00 ab', '11:30 ab']);
      expect(listed(type, ['a', 'b', 'c'])).toEqual(['09:00 bc', '09:30 c', '10:00 ac', '10:30 ac', '11:00 abc', '11:30 abc']);
    });

    test('COLLECTIVE lists a slot only when every member is free', () => {
      expect(listed(CalendarType.COLLECTIVE, ['a', 'b'])).toEqual(['11:00 ab', '11:30 ab']);
      expect(listed(CalendarType.COLLECTIVE, ['a', 'c'])).toEqual(['10:00 ac', '10:30 ac', '11:00 ac', '11:30 ac']);
    });

    test.each([CalendarType.PERSONAL, CalendarType.EVENT])('%s lists the slots of its one member', (type) => {
      expect(listed(type, ['b'])).toEqual(['09:00 b', '11:00 b', '11:30 b']);
    });
  });
});

describe('round-robin fairness (PRODUCT.md "Booking")', () => {
  const load = (recentCount: number, lastBookedAt: string | null) => ({ recentCount, lastBookedAt: lastBookedAt ? new Date(lastBookedAt) : null });

  test('fewest appointments in the surrounding 7 days first', () => {
    expect(fairOrder(['a', 'b', 'c'], new Map([['a', load(2, '2025-01-01')], ['b', load(1, '2025-01-02')], ['c', load(3, '2024-01-01')]]))).toEqual(['b', 'a', 'c']);
  });

  test('ties go to the oldest last booking; never booked is oldest; then team order', () => {
    expect(fairOrder(['a', 'b', 'c'], new Map([['a', load(1, '2025-01-03')], ['b', load(1, '2025-01-01')], ['c', load(1, '2025-01-02')]]))).toEqual(['b', 'c', 'a']);
    expect(fairOrder(['a', 'b', 'c'], new Map([['a', load(0, '2025-01-03')], ['c', load(0, null)]]))).toEqual(['b', 'c', 'a']);
    expect(fairOrder(['c', 'b', 'a'], new Map())).toEqual(['c', 'b', 'a']);
  });

  test('the window is the 7 days centred on the slot', () => {
    expect(fairnessWindow(new Date('2025-06-09T12:00:00Z'))).toEqual({ from: new Date('2025-06-06T00:00:00Z'), to: new Date('2025-06-13T00:00:00Z') });
  });

  test('30 bookings over 3 equally free members rotate 10/10/10', () => {
    const state = new Map(['a', 'b', 'c'].map((id) => [id, { recentCount: 0, lastBookedAt: null as Date | null }]));
    for (let i = 0; i < 30; i++) {
      const pick = fairOrder(['a', 'b', 'c'], state)[0];
      state.set(pick, { recentCount: state.get(pick)!.recentCount + 1, lastBookedAt: new Date(1_700_000_000_000 + i * 1000) });
    }
    expect([...state.values()].map((s) => s.recentCount)).toEqual([10, 10, 10]);
  });
});
