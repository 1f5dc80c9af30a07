import { DateTime } from 'luxon';
import { DateOverride, minutesOfTime, WeeklyHours } from '../settings/calendar-settings';
import { weekdayOfIso } from '../settings/weekday.enum';

// The grid of a calendar's slots (PRODUCT.md "Availability"), pure: no clock, no database.
// Slots start every slotIntervalMinutes from each window's start, last slotDurationMinutes and end inside the
// window. Windows are local times of the location's zone, so across a DST change 09:00 stays 09:00 local: every
// grid time is placed by its local date and time, never by adding minutes to an instant. A local time that
// does not exist that day (the skipped hour) has no slot.

export interface GridSettings {
  /** IANA zone of the location. */
  zone: string;
  slotDurationMinutes: number;
  slotIntervalMinutes: number;
  weeklyHours: readonly WeeklyHours[];
  dateOverrides: readonly DateOverride[];
}

export interface TimeRules {
  minimumNoticeMinutes: number;
  bookingWindowDays: number;
}

export interface GridSlot {
  start: Date;
  end: Date;
  /** The slot's local date (YYYY-MM-DD in the zone): the day its daily cap counts against. */
  localDate: string;
}

const MINUTE = 60_000;

/** The windows of a local date: its override if it has one, else its weekday's hours. */
function windowsOf(settings: GridSettings, date: DateTime): ReadonlyArray<{ start: string; end: string }> {
  const iso = date.toISODate()!;
  const override = settings.dateOverrides.find((o) => o.date === iso);
  if (override) return override.windows;
  const weekday = weekdayOfIso(date.weekday);
  return settings.weeklyHours.find((h) => h.day === weekday)?.windows ?? [];
}

/** The instant of a local time (minutes since midnight, 1440 = next midnight) on a date; null if it does not exist. */
function instantAt(day: DateTime, minutes: number): number | null {
  if (minutes === 24 * 60) return day.plus({ days: 1 }).startOf('day').toMillis();
  const hour = Math.floor(minutes / 60);
  const minute = minutes % 60;
  const dt = DateTime.fromObject({ year: day.year, month: day.month, day: day.day, hour, minute }, { zone: day.zone });
  // luxon moves a skipped local time (02:30 on a spring-forward day) past the gap: that time does not exist.
  return dt.hour === hour && dt.minute === minute ? dt.toMillis() : null;
}

/** The slots of one window of a local date, in order. */
function windowSlots(settings: GridSettings, day: DateTime, window: { start: string; end: string }, out: GridSlot[], localDate: string): void {
  const ws = minutesOfTime(window.start)!;
  const we = minutesOfTime(window.end)!;
  const duration = settings.slotDurationMinutes * MINUTE;
  const windowEnd = instantAt(day, we);
  const startAt = instantAt(day, ws);
  // The usual case: no DST change inside the window, so local minutes map to instants by addition.
  const uniform = startAt !== null && windowEnd !== null && windowEnd - startAt === (we - ws) * MINUTE;
  for (let m = ws; m + settings.slotDurationMinutes <= we; m += settings.slotIntervalMinutes) {
    const start = uniform ? startAt + (m - ws) * MINUTE : instantAt(day, m);
    if (start === null) continue;
    const end = start + duration;
    if (windowEnd !== null && end > windowEnd) continue;
    out.push({ start: new Date(start), end: new Date(end), localDate });
  }
}

/** A local date's first instant in the zone (luxon moves a skipped midnight to the first time that exists). */
const startOfLocalDate = (date: DateTime, zone: string) => DateTime.fromObject({ year: date.year, month: date.month, day: date.day }, { zone });

/** Every grid slot starting in [from, to), in start order, before notice and booking window are applied. */
export function gridSlots(settings: GridSettings, from: Date, to: Date): GridSlot[] {
  const out: GridSlot[] = [];
  if (to <= from) return out;
  // Dates are walked as calendar dates (UTC arithmetic, no zone lookups); each local day's start is placed once.
  const first = DateTime.fromJSDate(from, { zone: settings.zone });
  const last = DateTime.fromJSDate(to, { zone: settings.zone });
  let date = DateTime.utc(first.year, first.month, first.day);
  const lastDate = DateTime.utc(last.year, last.month, last.day);
  let day = startOfLocalDate(date, settings.zone);
  const lo = from.getTime();
  const hi = to.getTime();
  while (date <= lastDate) {
    const nextDate = date.plus({ days: 1 });
    const nextDay = startOfLocalDate(nextDate, settings.zone);
    // The usual day: it starts at 00:00 and lasts 24 hours, so its offset does not change (a zone's changes are
    // months apart) and local minutes map to instants by addition. A day with a change takes the slow path.
    const uniformFrom = day.hour === 0 && day.minute === 0 && nextDay.toMillis() - day.toMillis() === 24 * 60 * MINUTE ? day.toMillis() : null;
    const localDate = date.toISODate()!;
    const daySlots: GridSlot[] = [];
    for (const window of windowsOf(settings, date)) {
      if (uniformFrom === null) windowSlots(settings, day, window, daySlots, localDate);
      else uniformWindowSlots(settings, uniformFrom, window, daySlots, localDate);
    }
    daySlots.sort((a, b) => a.start.getTime() - b.start.getTime());
    for (const s of daySlots) if (s.start.getTime() >= lo && s.start.getTime() < hi) out.push(s);
    date = nextDate;
    day = nextDay;
  }
  return dedupe(out);
}

/** The slots of one window of a day without an offset change starting at `dayStart` (its 00:00), in order. */
function uniformWindowSlots(settings: GridSettings, dayStart: number, window: { start: string; end: string }, out: GridSlot[], localDate: string): void {
  const ws = minutesOfTime(window.start)!;
  const we = minutesOfTime(window.end)!;
  for (let m = ws; m + settings.slotDurationMinutes <= we; m += settings.slotIntervalMinutes) {
    const start = dayStart + m * MINUTE;
    out.push({ start: new Date(start), end: new Date(start + settings.slotDurationMinutes * MINUTE), localDate });
  }
}

/** Two windows of a day never overlap, but an ambiguous local hour can map two grid times to one instant. */
function dedupe(slots: GridSlot[]): GridSlot[] {
  return slots.filter((s, i) => i === 0 || s.start.getTime() !== slots[i - 1].start.getTime());
}

/** The earliest and latest start the time rules allow at `now`. */
export function bookableStarts(rules: TimeRules, now: Date): { earliest: Date; latest: Date } {
  return {
    earliest: new Date(now.getTime() + rules.minimumNoticeMinutes * MINUTE),
    latest: new Date(now.getTime() + rules.bookingWindowDays * 24 * 60 * MINUTE),
  };
}

/** The grid slots in [from, to) that start no sooner than now + notice and no later than now + the booking window. */
export function bookableSlots(settings: GridSettings & TimeRules, from: Date, to: Date, now: Date): GridSlot[] {
  const { earliest, latest } = bookableStarts(settings, now);
  const lo = new Date(Math.max(from.getTime(), earliest.getTime()));
  const hi = new Date(Math.min(to.getTime(), latest.getTime() + 1));
  return gridSlots(settings, lo, hi);
}

export type SlotStartProblem = 'OFF_GRID' | 'PAST' | 'NOTICE' | 'BEYOND_WINDOW';

/** Whether a requested start is a bookable slot now: the slot, or why not (each is BAD_USER_INPUT naming startTime). */
export function checkSlotStart(settings: GridSettings & TimeRules, start: Date, now: Date): { slot: GridSlot } | { problem: SlotStartProblem } {
  const slot = gridSlots(settings, start, new Date(start.getTime() + 1))[0];
  if (!slot || slot.start.getTime() !== start.getTime()) return { problem: 'OFF_GRID' };
  if (start.getTime() < now.getTime()) return { problem: 'PAST' };
  const { earliest, latest } = bookableStarts(settings, now);
  if (start < earliest) return { problem: 'NOTICE' };
  if (start > latest) return { problem: 'BEYOND_WINDOW' };
  return { slot };
}
