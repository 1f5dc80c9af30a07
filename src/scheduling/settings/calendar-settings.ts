import { DateTime } from 'luxon';
import { badInput } from '../../app/errors/errors';
import { requireIntInRange } from '../../app/validation/validate';
import { MeetingProvider } from './meeting-provider.enum';
import { Weekday, WEEKDAYS } from './weekday.enum';

// A CRM calendar's availability settings (PRODUCT.md "Availability"): their shapes, defaults, ranges and the
// pure validation of an input. Every invalid value is BAD_USER_INPUT naming the input field.

/** A local time range of a day, HH:MM; end after start, end may be 24:00. */
export interface TimeWindow {
  start: string;
  end: string;
}
export interface WeeklyHours {
  day: Weekday;
  windows: TimeWindow[];
}
/** `date` is YYYY-MM-DD in the location's zone; its windows replace the weekday's (none: closed). */
export interface DateOverride {
  date: string;
  windows: TimeWindow[];
}

/** Inclusive ranges of the numeric settings. */
export const SETTING_RANGES = {
  slotDurationMinutes: { min: 5, max: 480 },
  slotIntervalMinutes: { min: 5, max: 480 },
  bufferBeforeMinutes: { min: 0, max: 240 },
  bufferAfterMinutes: { min: 0, max: 240 },
  // PRODUCT.md gives no upper bound: no notice longer than the longest booking window makes sense.
  minimumNoticeMinutes: { min: 0, max: 730 * 24 * 60 },
  bookingWindowDays: { min: 1, max: 730 },
  // 0 means no cap (the contract's "send 0 to remove the cap"; accepted on create too).
  maxAppointmentsPerDay: { min: 0, max: 1000 },
} as const;

// Bounds on list sizes, so one input cannot make every availability computation expensive.
export const MAX_WINDOWS_PER_DAY = 48;
export const MAX_DATE_OVERRIDES = 1000;

const NINE_TO_FIVE: TimeWindow[] = [{ start: '09:00', end: '17:00' }];
export const DEFAULT_WEEKLY_HOURS: readonly WeeklyHours[] = WEEKDAYS.slice(0, 5).map((day) => ({ day, windows: NINE_TO_FIVE }));

export const DEFAULT_SETTINGS = {
  bufferBeforeMinutes: 0,
  bufferAfterMinutes: 0,
  minimumNoticeMinutes: 0,
  bookingWindowDays: 60,
  maxAppointmentsPerDay: null as number | null,
  weeklyHours: DEFAULT_WEEKLY_HOURS,
  dateOverrides: [] as readonly DateOverride[],
  // No video meeting unless a calendar asks for one.
  meetingProvider: MeetingProvider.NONE,
};

/** The settings of createCalendar / updateCalendar; null and undefined both mean "not given". */
export interface SettingsInput {
  slotIntervalMinutes?: number | null;
  bufferBeforeMinutes?: number | null;
  bufferAfterMinutes?: number | null;
  minimumNoticeMinutes?: number | null;
  bookingWindowDays?: number | null;
  maxAppointmentsPerDay?: number | null;
  weeklyHours?: ReadonlyArray<{ day: Weekday; windows: readonly TimeWindow[] }> | null;
  dateOverrides?: ReadonlyArray<{ date: string; windows: readonly TimeWindow[] }> | null;
  meetingProvider?: MeetingProvider | null;
}

/** The given settings, validated and normalised (windows sorted, days and dates in order); absent ones are absent. */
export interface SettingsPatch {
  slotIntervalMinutes?: number;
  bufferBeforeMinutes?: number;
  bufferAfterMinutes?: number;
  minimumNoticeMinutes?: number;
  bookingWindowDays?: number;
  /** null: no cap. */
  maxAppointmentsPerDay?: number | null;
  weeklyHours?: WeeklyHours[];
  dateOverrides?: DateOverride[];
  meetingProvider?: MeetingProvider;
}

type IntSetting = Exclude<keyof typeof SETTING_RANGES, 'slotDurationMinutes'>;
const INT_SETTINGS: readonly IntSetting[] = ['slotIntervalMinutes', 'bufferBeforeMinutes', 'bufferAfterMinutes', 'minimumNoticeMinutes', 'bookingWindowDays', 'maxAppointmentsPerDay'];

export function settingsPatch(input: SettingsInput): SettingsPatch {
  const patch: SettingsPatch = {};
  for (const key of INT_SETTINGS) {
    const value = input[key];
    if (value == null) continue;
    const { min, max } = SETTING_RANGES[key];
    patch[key] = requireIntInRange(key, value, min, max);
  }
  if (patch.maxAppointmentsPerDay === 0) patch.maxAppointmentsPerDay = null;
  if (input.weeklyHours != null) patch.weeklyHours = validateWeeklyHours(input.weeklyHours);
  if (input.dateOverrides != null) patch.dateOverrides = validateDateOverrides(input.dateOverrides);
  if (input.meetingProvider != null) patch.meetingProvider = input.meetingProvider;
  return patch;
}

const HHMM = /^(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$/;

/** Minutes since local midnight of an HH:MM time (00:00..24:00), or null when it is not one. */
export function minutesOfTime(value: string): number | null {
  const m = HHMM.exec(value);
  if (!m) return null;
  return m[3] ? 24 * 60 : Number(m[1]) * 60 + Number(m[2]);
}

/** A day's windows: each HH:MM with end after start, none overlapping another; returned sorted by start. */
export function validateWindows(field: string, what: string, windows: readonly TimeWindow[]): TimeWindow[] {
  if (windows.length > MAX_WINDOWS_PER_DAY) throw badInput(field, `${what} has more than ${MAX_WINDOWS_PER_DAY} windows`);
  const parsed = windows.map((w) => {
    const start = minutesOfTime(w.start);
    const end = minutesOfTime(w.end);
    if (start === null) throw badInput(field, `${what}: "${w.start}" is not a time of day (HH:MM, 00:00 to 24:00)`);
    if (end === null) throw badInput(field, `${what}: "${w.end}" is not a time of day (HH:MM, 00:00 to 24:00)`);
    if (end <= start) throw badInput(field, `${what}: the window ${w.start}-${w.end} must end after it starts`);
    return { start, end, window: { start: w.start, end: w.end } };
  });
  parsed.sort((a, b) => a.start - b.start);
  for (let i = 1; i < parsed.length; i++) {
    const prev = parsed[i - 1].window;
    const next = parsed[i].window;
    if (parsed[i].start < parsed[i - 1].end) throw badInput(field, `${what}: the windows ${prev.start}-${prev.end} and ${next.start}-${next.end} overlap`);
  }
  return parsed.map((p) => p.window);
}

/** Each weekday at most once; returned Monday first. Days left out are closed. */
export function validateWeeklyHours(list: SettingsInput['weeklyHours'] & object): WeeklyHours[] {
  const seen = new Set<Weekday>();
  const out: WeeklyHours[] = [];
  for (const { day, windows } of list) {
    if (seen.has(day)) throw badInput('weeklyHours', `${day} is listed twice`);
    seen.add(day);
    out.push({ day, windows: validateWindows('weeklyHours', day, windows) });
  }
  return out.sort((a, b) => WEEKDAYS.indexOf(a.day) - WEEKDAYS.indexOf(b.day));
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A real calendar date written YYYY-MM-DD (2025-02-30 is not one). */
export function isIsoDate(value: string): boolean {
  return ISO_DATE.test(value) && DateTime.fromISO(value, { zone: 'UTC' }).isValid;
}

/** Each date real and at most once; returned in date order. */
export function validateDateOverrides(list: SettingsInput['dateOverrides'] & object): DateOverride[] {
  if (list.length > MAX_DATE_OVERRIDES) throw badInput('dateOverrides', `at most ${MAX_DATE_OVERRIDES} dates`);
  const seen = new Set<string>();
  const out: DateOverride[] = [];
  for (const { date, windows } of list) {
    if (!isIsoDate(date)) throw badInput('dateOverrides', `"${date}" is not a date (YYYY-MM-DD)`);
    if (seen.has(date)) throw badInput('dateOverrides', `${date} is listed twice`);
    seen.add(date);
    out.push({ date, windows: validateWindows('dateOverrides', date, windows) });
  }
  return out.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}
