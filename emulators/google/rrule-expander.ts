import { DateTime } from 'luxon';
import type { EventDateTime } from './emulator.types';

// Expands a master's RRULE into occurrences, in the event's own zone so that wall-clock
// times survive DST changes. Supports FREQ DAILY/WEEKLY/MONTHLY/YEARLY, INTERVAL, COUNT,
// UNTIL, BYDAY (weekly) and EXDATE: what calendar UIs create for ordinary series.

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

interface Rule {
  freq: 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY';
  interval: number;
  count: number | null;
  untilMs: number | null;
  byDay: number[] | null;
}

const WEEKDAYS: Record<string, number> = { MO: 1, TU: 2, WE: 3, TH: 4, FR: 5, SA: 6, SU: 7 };
const MAX_CANDIDATES = 100_000;

export function parseRRule(lines: string[] | undefined, zone: string): Rule | null {
  const line = lines?.find((l) => l.toUpperCase().startsWith('RRULE:'));
  if (!line) return null;
  const parts = Object.fromEntries(
    line
      .slice(6)
      .split(';')
      .map((p) => p.split('=') as [string, string])
      .map(([k, v]) => [k.toUpperCase(), v]),
  );
  const freq = parts.FREQ?.toUpperCase();
  if (freq !== 'DAILY' && freq !== 'WEEKLY' && freq !== 'MONTHLY' && freq !== 'YEARLY') return null;
  return {
    freq,
    interval: Math.max(1, Number(parts.INTERVAL ?? 1) || 1),
    count: parts.COUNT ? Number(parts.COUNT) : null,
    untilMs: parts.UNTIL ? parseIcalTime(parts.UNTIL, zone, true) : null,
    byDay: parts.BYDAY
      ? parts.BYDAY.split(',')
          .map((d: string) => WEEKDAYS[d.slice(-2).toUpperCase()])
          .filter((d: number | undefined): d is number => d !== undefined)
          .sort((a: number, b: number) => a - b)
      : null,
  };
}

/** 20240101T100000Z, 20240101T100000 (floating, in `zone`) or 20240101. */
export function parseIcalTime(value: string, zone: string, endOfDay = false): number {
  const v = value.trim();
  if (/^\d{8}$/.test(v)) {
    const d = DateTime.fromFormat(v, 'yyyyMMdd', { zone });
    return (endOfDay ? d.endOf('day') : d).toMillis();
  }
  if (v.endsWith('Z')) return DateTime.fromFormat(v, "yyyyMMdd'T'HHmmss'Z'", { zone: 'UTC' }).toMillis();
  return DateTime.fromFormat(v, "yyyyMMdd'T'HHmmss", { zone }).toMillis();
}

function exdates(lines: string[] | undefined, zone: string): Set<number> {
  const out = new Set<number>();
  for (const line of lines ?? []) {
    if (!line.toUpperCase().startsWith('EXDATE')) continue;
    const [head, values = ''] = line.split(':');
    const tzid = /TZID=([^;:]+)/i.exec(head)?.[1] ?? zone;
    for (const v of values.split(',')) if (v) out.add(parseIcalTime(v, tzid));
  }
  return out;
}

/** The zone a timed event's wall clock lives in: its timeZone, else its offset. */
export function eventZone(start: EventDateTime, calendarTimeZone: string): string {
  if (start.date) return calendarTimeZone;
  if (start.timeZone) return start.timeZone;
  const parsed = DateTime.fromISO(start.dateTime ?? '', { setZone: true });
  return parsed.isValid ? (parsed.zoneName ?? 'UTC') : calendarTimeZone;
}

function candidates(rule: Rule, dtstart: DateTime): Iterable<DateTime> {
  return {
    *[Symbol.iterator]() {
      for (let k = 0; k < MAX_CANDIDATES; k++) {
        const step = k * rule.interval;
        if (rule.freq === 'DAILY') yield dtstart.plus({ days: step });
        else if (rule.freq === 'MONTHLY' || rule.freq === 'YEARLY') {
          const c = dtstart.plus(rule.freq === 'MONTHLY' ? { months: step } : { years: step });
          // luxon clamps Jan 31 + 1 month to Feb 28; RFC 5545 skips such months instead
          if (c.day === dtstart.day) yield c;
        } else {
          const week = dtstart.startOf('week').plus({ weeks: step });
          for (const wd of rule.byDay ?? [dtstart.weekday]) {
            const c = week.plus({ days: wd - 1 }).set({ hour: dtstart.hour, minute: dtstart.minute, second: dtstart.second, millisecond: 0 });
            if (c >= dtstart) yield c;
          }
        }
      }
    },
  };
}

/** Occurrences overlapping [windowStartMs, windowEndMs), in order. */
export function expandRecurrence(master: RecurringMaster, calendarTimeZone: string, windowStartMs: number, windowEndMs: number): Occurrence[] {
  const allDay = Boolean(master.start.date);
  const zone = eventZone(master.start, calendarTimeZone);
  const dtstart = allDay
    ? DateTime.fromISO(master.start.date!, { zone })
    : DateTime.fromISO(master.start.dateTime!, { zone });
  if (!dtstart.isValid) return [];
  const rule = parseRRule(master.recurrence, zone);
  const excluded = exdates(master.recurrence, zone);
  const endDt = allDay ? DateTime.fromISO(master.end.date!, { zone }) : DateTime.fromISO(master.end.dateTime!, { zone });
  const durationDays = allDay ? Math.max(1, Math.round(endDt.diff(dtstart, 'days').days)) : 0;
  const durationMs = allDay ? 0 : Math.max(0, endDt.toMillis() - dtstart.toMillis());
  const endZone = master.end.timeZone ?? master.start.timeZone;

  const out: Occurrence[] = [];
  let seen = 0;
  for (const c of rule ? candidates(rule, dtstart) : [dtstart]) {
    const startMs = c.toMillis();
    if (rule?.untilMs != null && startMs > rule.untilMs) break;
    if (rule?.count != null && seen >= rule.count) break;
    if (startMs >= windowEndMs) break;
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
