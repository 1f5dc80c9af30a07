import { DateTime } from 'luxon';
import { gridSlots, GridSettings } from '../../src/scheduling/availability/slot-grid';
import { minutesOfTime } from '../../src/scheduling/settings/calendar-settings';
import { Weekday, weekdayOfIso } from '../../src/scheduling/settings/weekday.enum';

// The grid over whole years of zones with unusual offset changes, against a reference that places every grid
// time by its local date and time on its own (PRODUCT.md "Availability": local times hold across changes; a
// time that does not exist has no slot; a repeated one has one slot per instant).

const ALL_DAYS = Object.values(Weekday);

/** Every slot by itself: each local time looked up in the zone, nothing derived from another. */
function referenceGrid(s: GridSettings, from: Date, to: Date): Array<{ start: number; end: number; localDate: string }> {
  const out: Array<{ start: number; end: number; localDate: string }> = [];
  const at = (date: DateTime, minutes: number): number | null => {
    if (minutes === 24 * 60) return date.plus({ days: 1 }).startOf('day').toMillis();
    const dt = DateTime.fromObject({ year: date.year, month: date.month, day: date.day, hour: Math.floor(minutes / 60), minute: minutes % 60 }, { zone: s.zone });
    return dt.hour === Math.floor(minutes / 60) && dt.minute === minutes % 60 ? dt.toMillis() : null;
  };
  for (let date = DateTime.fromJSDate(from, { zone: s.zone }).startOf('day'); date <= DateTime.fromJSDate(to, { zone: s.zone }); date = date.plus({ days: 1 }).startOf('day')) {
    const iso = date.toISODate()!;
    const windows = s.dateOverrides.find((o) => o.date === iso)?.windows ?? s.weeklyHours.find((h) => h.day === weekdayOfIso(date.weekday))?.windows ?? [];
    const day: Array<{ start: number; end: number; localDate: string }> = [];
    for (const w of windows) {
      const ws = minutesOfTime(w.start)!;
      const we = minutesOfTime(w.end)!;
      const windowEnd = at(date, we);
      for (let m = ws; m + s.slotDurationMinutes <= we; m += s.slotIntervalMinutes) {
        const start = at(date, m);
        if (start === null) continue;
        const end = start + s.slotDurationMinutes * 60_000;
        if (windowEnd !== null && end > windowEnd) continue;
        day.push({ start, end, localDate: iso });
      }
    }
    day.sort((a, b) => a.start - b.start);
    out.push(...day.filter((x) => x.start >= from.getTime() && x.start < to.getTime()));
  }
  return out.filter((x, i) => i === 0 || x.start !== out[i - 1].start);
}

const grid = (s: GridSettings, from: Date, to: Date) => gridSlots(s, from, to).map((x) => ({ start: x.start.getTime(), end: x.end.getTime(), localDate: x.localDate }));

describe('slot grid across a year of offset changes', () => {
  // New York and Berlin (changes at 02:00 / 03:00 local), Lord Howe (30-minute change), Santiago and Havana
  // (changes at midnight), Kolkata (none, half-hour offset), Chatham (+12:45).
  const zones = ['America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'America/Santiago', 'America/Havana', 'Asia/Kolkata', 'Pacific/Chatham'];
  const from = new Date('2025-01-01T00:00:00Z');
  const to = new Date('2026-01-01T00:00:00Z');

  test.each(zones)('%s: around the clock, 45-minute slots every 20 minutes, as the reference places them', (zone) => {
    const s: GridSettings = {
      zone,
      slotDurationMinutes: 45,
      slotIntervalMinutes: 20,
      weeklyHours: ALL_DAYS.map((day) => ({ day, windows: [{ start: '00:00', end: '02:30' }, { start: '02:30', end: '09:00' }, { start: '22:00', end: '24:00' }] })),
      dateOverrides: [{ date: '2025-03-09', windows: [{ start: '00:00', end: '24:00' }] }],
    };
    const slots = grid(s, from, to);
    expect(slots.length).toBeGreaterThan(365 * 20);
    expect(slots).toEqual(referenceGrid(s, from, to));
  });

  test.each(zones)('%s: office hours, from and to mid-day', (zone) => {
    const s: GridSettings = {
      zone,
      slotDurationMinutes: 30,
      slotIntervalMinutes: 30,
      weeklyHours: ALL_DAYS.slice(0, 5).map((day) => ({ day, windows: [{ start: '09:00', end: '12:00' }, { start: '13:00', end: '17:30' }] })),
      dateOverrides: [],
    };
    const a = new Date('2025-02-14T15:20:00Z');
    const b = new Date('2025-11-20T10:05:00Z');
    expect(grid(s, a, b)).toEqual(referenceGrid(s, a, b));
  });
});
