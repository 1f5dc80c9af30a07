import { DateTime } from 'luxon';
import type { EventDateTime } from './emulator.types';
import { exdates, parseRRule, type Rule, type WeekdayRule } from './rrule-rule';

// Expands a master's RRULE into occurrences the way RFC 5545 does: period by period (day, week,
// month, year of DTSTART, every INTERVAL), the BYxxx parts expanding or limiting the period's
// dates, BYSETPOS picking among them, COUNT and UNTIL over what is left from DTSTART on, EXDATE
// last. Dates that do not exist (the 31st of a 30-day month, 29 February) are skipped. Times are
// wall-clock in the event's own zone, so they survive DST; a time that does not exist that day
// moves forward by the gap, one that occurs twice means the first (RFC 5545 §3.3.5).

export { parseIcalTime, parseRRule } from './rrule-rule';

export interface RecurringMaster {
  start: EventDateTime;
  end: EventDateTime;
  recurrence?: string[];
}

export interface Occurrence {
  /** Appended to the master id to form the instance id (Google's `<id>_<stamp>`). */
  stamp: string;
  originalStart: EventDateTime;
  start: EventDateTime;
  end: EventDateTime;
  startMs: number;
  endMs: number;
}

interface Day {
  y: number;
  m: number;
  d: number;
}

// Guards against rules that never produce a date (BYMONTH=2;BYMONTHDAY=30).
const MAX_PERIODS = 100_000;

// Plain date arithmetic (days since 1970-01-01, UTC): expansion runs on every listing, so luxon
// only where zones matter
const DAY_MS = 86_400_000;
const epochDay = (y: number, m: number, d: number): number => Date.UTC(y, m - 1, d) / DAY_MS;
const fromEpochDay = (n: number): Day => {
  const at = new Date(n * DAY_MS);
  return { y: at.getUTCFullYear(), m: at.getUTCMonth() + 1, d: at.getUTCDate() };
};
/** luxon numbering: 1 = Monday; 1 January 1970 was a Thursday. */
const weekdayOfEpochDay = (n: number): number => ((((n + 3) % 7) + 7) % 7) + 1;
const daysIn = (y: number, m: number): number => new Date(Date.UTC(y, m, 0)).getUTCDate();
const weekdayOf = (day: Day): number => weekdayOfEpochDay(epochDay(day.y, day.m, day.d));
const dayOf = (dt: DateTime): Day => ({ y: dt.year, m: dt.month, d: dt.day });
const dayKey = (day: Day): number => day.y * 10_000 + day.m * 100 + day.d;

/** The days of [from, to] (epoch days) a BYDAY list selects; ordinals count within that span. */
function byDayIn(from: number, to: number, byDay: WeekdayRule[]): Day[] {
  const out: Day[] = [];
  for (const { weekday, ordinal } of byDay) {
    const first = from + ((weekday - weekdayOfEpochDay(from) + 7) % 7);
    const count = first > to ? 0 : Math.floor((to - first) / 7) + 1;
    if (ordinal === null) for (let i = 0; i < count; i++) out.push(fromEpochDay(first + 7 * i));
    else {
      const index = ordinal > 0 ? ordinal - 1 : count + ordinal;
      if (index >= 0 && index < count) out.push(fromEpochDay(first + 7 * index));
    }
  }
  return out;
}

const monthSpan = (y: number, m: number) => [epochDay(y, m, 1), epochDay(y, m, daysIn(y, m))] as const;

/** Does `day` satisfy one of the BYDAY entries, ordinals counted within its month? */
function matchesByDay(day: Day, byDay: WeekdayRule[]): boolean {
  const wd = weekdayOf(day);
  const dim = daysIn(day.y, day.m);
  return byDay.some(({ weekday, ordinal }) => {
    if (weekday !== wd) return false;
    if (ordinal === null) return true;
    return ordinal > 0 ? Math.ceil(day.d / 7) === ordinal : -Math.ceil((dim - day.d + 1) / 7) === ordinal;
  });
}

/** The days a MONTHLY rule (or a YEARLY rule within one month) selects in month `m`. */
function monthDays(rule: Rule, y: number, m: number, anchor: DateTime): Day[] {
  const dim = daysIn(y, m);
  if (rule.byMonthDay) {
    const days = rule.byMonthDay.map((d) => (d > 0 ? d : dim + d + 1)).filter((d) => d >= 1 && d <= dim);
    const list = days.map((d) => ({ y, m, d }));
    return rule.byDay ? list.filter((day) => matchesByDay(day, rule.byDay!)) : list;
  }
  if (rule.byDay) return byDayIn(...monthSpan(y, m), rule.byDay);
  return anchor.day <= dim ? [{ y, m, d: anchor.day }] : [];
}

/** The days of the k-th period of the rule (before BYSETPOS), and the period's first day. */
function periodDays(rule: Rule, anchor: DateTime, k: number): { first: Day; days: Day[] } {
  const step = k * rule.interval;
  switch (rule.freq) {
    case 'DAILY': {
      const day = fromEpochDay(epochDay(anchor.year, anchor.month, anchor.day) + step);
      const ok =
        (!rule.byMonth || rule.byMonth.includes(day.m)) &&
        (!rule.byMonthDay || monthDays({ ...rule, byDay: null }, day.y, day.m, anchor).some((d) => d.d === day.d)) &&
        (!rule.byDay || rule.byDay.some((b) => b.weekday === weekdayOf(day)));
      return { first: day, days: ok ? [day] : [] };
    }
    case 'WEEKLY': {
      const weekStart = anchor.minus({ days: (anchor.weekday - rule.wkst + 7) % 7 }).plus({ weeks: step });
      const wanted = rule.byDay ? rule.byDay.map((b) => b.weekday) : [anchor.weekday];
      const offsets = [...new Set(wanted.map((wd) => (wd - rule.wkst + 7) % 7))];
      const days = offsets.map((o) => dayOf(weekStart.plus({ days: o }))).filter((d) => !rule.byMonth || rule.byMonth.includes(d.m));
      return { first: dayOf(weekStart), days };
    }
    case 'MONTHLY': {
      const month = anchor.startOf('month').plus({ months: step });
      const days = !rule.byMonth || rule.byMonth.includes(month.month) ? monthDays(rule, month.year, month.month, anchor) : [];
      return { first: dayOf(month), days };
    }
    case 'YEARLY': {
      const y = anchor.year + step;
      const first = { y, m: 1, d: 1 };
      if (rule.byMonth) return { first, days: rule.byMonth.flatMap((m) => monthDays(rule, y, m, anchor)) };
      if (rule.byMonthDay) return { first, days: Array.from({ length: 12 }, (_, i) => monthDays(rule, y, i + 1, anchor)).flat() };
      if (rule.byDay) return { first, days: byDayIn(epochDay(y, 1, 1), epochDay(y, 12, 31), rule.byDay) };
      return { first, days: anchor.month === 2 && anchor.day === 29 && daysIn(y, 2) < 29 ? [] : [{ y, m: anchor.month, d: anchor.day }] };
    }
  }
}

/** Sorted, without duplicates, then BYSETPOS (1-based, negative from the end). */
function finishPeriod(days: Day[], bySetPos: number[] | null): Day[] {
  if (days.length <= 1 && !bySetPos) return days;
  const keyed = new Map(days.map((d) => [dayKey(d), d]));
  const sorted = [...keyed.keys()].sort((a, b) => a - b).map((k) => keyed.get(k)!);
  if (!bySetPos) return sorted;
  const picked = bySetPos.map((p) => (p > 0 ? sorted[p - 1] : sorted[sorted.length + p])).filter((d): d is Day => d !== undefined);
  return finishPeriod(picked, null);
}

/** The wall-clock time of `at` on `day` in `zone`; of a time that occurs twice, the first. */
function localTime(day: Day, at: DateTime, zone: string): DateTime {
  const dt = DateTime.fromObject({ year: day.y, month: day.m, day: day.d, hour: at.hour, minute: at.minute, second: at.second }, { zone });
  if (dt.zone.isUniversal) return dt;
  const earlier = dt.minus({ hours: 1 });
  return earlier.hour === dt.hour && earlier.minute === dt.minute && earlier.day === dt.day ? earlier : dt;
}

/** Candidate starts from DTSTART on, in order, until past `limitMs`. */
function* candidates(rule: Rule, dtstart: DateTime, zone: string, allDay: boolean, limitMs: number): Generator<DateTime> {
  const anchor = DateTime.utc(dtstart.year, dtstart.month, dtstart.day);
  const lastKey = Number.isFinite(limitMs) ? dayKey(dayOf(DateTime.fromMillis(limitMs, { zone }))) : Infinity;
  for (let k = 0; k < MAX_PERIODS; k++) {
    const { first, days } = periodDays(rule, anchor, k);
    if (dayKey(first) > lastKey) return;
    for (const day of finishPeriod(days, rule.bySetPos)) {
      const c = allDay ? DateTime.fromObject({ year: day.y, month: day.m, day: day.d }, { zone }) : localTime(day, dtstart, zone);
      if (c >= dtstart) yield c;
    }
  }
}

/** The zone a timed event's wall clock lives in: its timeZone, else its offset. */
export function eventZone(start: EventDateTime, calendarTimeZone: string): string {
  if (start.date) return calendarTimeZone;
  if (start.timeZone) return start.timeZone;
  const parsed = DateTime.fromISO(start.dateTime ?? '', { setZone: true });
  return parsed.isValid ? (parsed.zoneName ?? 'UTC') : calendarTimeZone;
}

/** Occurrences overlapping [windowStartMs, windowEndMs), in order. */
export function expandRecurrence(master: RecurringMaster, calendarTimeZone: string, windowStartMs: number, windowEndMs: number): Occurrence[] {
  const allDay = Boolean(master.start.date);
  const zone = eventZone(master.start, calendarTimeZone);
  const dtstart = allDay ? DateTime.fromISO(master.start.date!, { zone }) : DateTime.fromISO(master.start.dateTime!, { zone });
  if (!dtstart.isValid) return [];
  const rule = parseRRule(master.recurrence, zone);
  const excluded = exdates(master.recurrence, zone);
  const endDt = allDay ? DateTime.fromISO(master.end.date!, { zone }) : DateTime.fromISO(master.end.dateTime!, { zone });
  const durationDays = allDay ? Math.max(1, Math.round(endDt.diff(dtstart, 'days').days)) : 0;
  const durationMs = allDay ? 0 : Math.max(0, endDt.toMillis() - dtstart.toMillis());
  const endZone = master.end.timeZone ?? master.start.timeZone;

  const out: Occurrence[] = [];
  let seen = 0;
  for (const c of rule ? candidates(rule, dtstart, zone, allDay, windowEndMs) : [dtstart]) {
    const startMs = c.toMillis();
    if (rule?.untilMs != null && startMs > rule.untilMs) break;
    if (rule?.count != null && seen >= rule.count) break;
    if (startMs >= windowEndMs) break;
    // COUNT counts excluded dates too (RFC 5545: EXDATE applies to the set the rule made)
    seen++;
    if (excluded.has(startMs)) continue;
    if (allDay) {
      const end = c.plus({ days: durationDays });
      if (end.toMillis() <= windowStartMs) continue;
      const date = c.toISODate()!;
      out.push({ stamp: c.toFormat('yyyyMMdd'), originalStart: { date }, start: { date }, end: { date: end.toISODate()! }, startMs, endMs: end.toMillis() });
    } else {
      const endMs = startMs + durationMs;
      if (endMs <= windowStartMs) continue;
      const dateTime = c.toISO({ suppressMilliseconds: true })!;
      const tz = master.start.timeZone ? { timeZone: master.start.timeZone } : {};
      out.push({
        stamp: c.toUTC().toFormat("yyyyMMdd'T'HHmmss'Z'"),
        originalStart: { dateTime, ...tz },
        start: { dateTime, ...tz },
        end: { dateTime: DateTime.fromMillis(endMs, { zone: endZone ?? zone }).toISO({ suppressMilliseconds: true })!, ...(endZone ? { timeZone: endZone } : {}) },
        startMs,
        endMs,
      });
    }
  }
  return out;
}
