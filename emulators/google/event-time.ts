import { DateTime } from 'luxon';
import type { EventDateTime } from './emulator.types';

// UTC bounds of stored event times: all-day dates are midnight in the calendar's zone,
// local date-times without an offset are read in their timeZone.

const HAS_OFFSET = /(Z|[+-]\d\d:?\d\d)$/i;

export function instantOf(t: EventDateTime, calendarTimeZone: string): number {
  if (t.date) return DateTime.fromISO(t.date, { zone: calendarTimeZone }).toMillis();
  if (!t.dateTime) return NaN;
  if (HAS_OFFSET.test(t.dateTime)) return Date.parse(t.dateTime);
  return DateTime.fromISO(t.dateTime, { zone: t.timeZone ?? calendarTimeZone }).toMillis();
}

/** Google always answers date-times with an offset; add one where the writer left it out. */
export function withOffset(t: EventDateTime, calendarTimeZone: string): EventDateTime {
  if (!t.dateTime || HAS_OFFSET.test(t.dateTime)) return t;
  const dt = DateTime.fromISO(t.dateTime, { zone: t.timeZone ?? calendarTimeZone });
  return { ...t, dateTime: dt.toISO({ suppressMilliseconds: true }) ?? t.dateTime };
}

export function isValidTime(t: EventDateTime | undefined, calendarTimeZone: string): t is EventDateTime {
  return Boolean(t && (t.date || t.dateTime) && Number.isFinite(instantOf(t, calendarTimeZone)));
}
