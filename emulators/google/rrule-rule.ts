import { DateTime } from 'luxon';

// An RRULE line parsed (RFC 5545 §3.3.10), plus the EXDATE lines of a master's recurrence.
// Supported: FREQ DAILY/WEEKLY/MONTHLY/YEARLY, INTERVAL, COUNT, UNTIL, BYDAY (with ordinals),
// BYMONTHDAY (negative counts from the month's end), BYMONTH, BYSETPOS, WKST. BYYEARDAY,
// BYWEEKNO and BYHOUR/BYMINUTE/BYSECOND are ignored (calendar UIs do not create them).

export type Freq = 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY';

export interface WeekdayRule {
  /** luxon weekday: 1 = Monday … 7 = Sunday. */
  weekday: number;
  /** 2 in "2TU", -1 in "-1FR"; null for a plain "TU". */
  ordinal: number | null;
}

export interface Rule {
  freq: Freq;
  interval: number;
  count: number | null;
  untilMs: number | null;
  byDay: WeekdayRule[] | null;
  byMonthDay: number[] | null;
  byMonth: number[] | null;
  bySetPos: number[] | null;
  /** Week start (luxon weekday); matters for WEEKLY with INTERVAL > 1. */
  wkst: number;
}

export const WEEKDAYS: Readonly<Record<string, number>> = { MO: 1, TU: 2, WE: 3, TH: 4, FR: 5, SA: 6, SU: 7 };

const ints = (v: string | undefined, ok: (n: number) => boolean): number[] | null => {
  if (!v) return null;
  const list = v.split(',').map(Number).filter((n) => Number.isInteger(n) && ok(n));
  return list.length ? list : null;
};

function weekdays(v: string | undefined): WeekdayRule[] | null {
  if (!v) return null;
  const list: WeekdayRule[] = [];
  for (const part of v.split(',')) {
    const m = /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/i.exec(part.trim());
    if (m) list.push({ weekday: WEEKDAYS[m[2].toUpperCase()], ordinal: m[1] ? Number(m[1]) || null : null });
  }
  return list.length ? list : null;
}

export function parseRRule(lines: string[] | undefined, zone: string): Rule | null {
  const line = lines?.find((l) => l.toUpperCase().startsWith('RRULE:'));
  if (!line) return null;
  const parts: Record<string, string> = {};
  for (const p of line.slice(6).split(';')) {
    const [k, v] = p.split('=');
    if (k && v !== undefined) parts[k.trim().toUpperCase()] = v.trim();
  }
  const freq = parts.FREQ?.toUpperCase();
  if (freq !== 'DAILY' && freq !== 'WEEKLY' && freq !== 'MONTHLY' && freq !== 'YEARLY') return null;
  return {
    freq,
    interval: Math.max(1, Number(parts.INTERVAL ?? 1) || 1),
    count: parts.COUNT ? Number(parts.COUNT) : null,
    untilMs: parts.UNTIL ? parseIcalTime(parts.UNTIL, zone, true) : null,
    byDay: weekdays(parts.BYDAY),
    byMonthDay: ints(parts.BYMONTHDAY, (n) => n !== 0 && Math.abs(n) <= 31),
    byMonth: ints(parts.BYMONTH, (n) => n >= 1 && n <= 12),
    bySetPos: ints(parts.BYSETPOS, (n) => n !== 0 && Math.abs(n) <= 366),
    wkst: WEEKDAYS[(parts.WKST ?? 'MO').toUpperCase()] ?? 1,
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

/** Instants excluded by the EXDATE lines (each in its TZID, else `zone`). */
export function exdates(lines: string[] | undefined, zone: string): Set<number> {
  const out = new Set<number>();
  for (const line of lines ?? []) {
    if (!line.toUpperCase().startsWith('EXDATE')) continue;
    const cut = line.indexOf(':');
    if (cut < 0) continue;
    const tzid = /TZID=([^;:]+)/i.exec(line.slice(0, cut))?.[1] ?? zone;
    for (const v of line.slice(cut + 1).split(',')) if (v.trim()) out.add(parseIcalTime(v, tzid));
  }
  return out;
}
