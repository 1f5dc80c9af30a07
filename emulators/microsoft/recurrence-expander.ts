// Expands a series master (start + Graph patternedRecurrence) into occurrences, in the
// master's own zone so DST shifts keep the wall-clock time, then applies exceptions.
// Semantics as Graph documents them: intervals count from the range's startDate (weeks from its
// firstDayOfWeek-based week), occurrences start on or after startDate, endDate is inclusive; an
// absolute dayOfMonth past the month's end means its last day (Exchange's rule); a relative index
// counts the month's days that are any of daysOfWeek ("the second weekday").
import { DateTime, Duration } from 'luxon';
import { occurrenceId } from './ids';
import { ianaZoneOf } from './zone-names';
import type { RecurrencePattern, StoredEvent, ViewItem } from './microsoft-model';

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const INDEX = { first: 0, second: 1, third: 2, fourth: 3, last: -1 } as const;
// Guards against unbounded series (noEnd) and exceptions moved far from their slot.
const MAX_OCCURRENCES = 5000;
const MOVE_SLACK_MS = 7 * 86_400_000;

const weekday = (name: string): number => WEEKDAYS.indexOf(name.toLowerCase()) + 1; // luxon: 1 = Monday

/** That day of `month`, or its last day when the month is shorter (31 → 30 April, 29 → 28 February). */
const dayOrLast = (month: DateTime, day: number): DateTime => month.set({ day: Math.min(Math.max(1, day), month.daysInMonth ?? 28) });

/** Candidate dates of a pattern, in order, starting from the range start. */
function* candidateDates(pattern: RecurrencePattern, first: DateTime): Generator<DateTime> {
  const interval = Math.max(1, pattern.interval || 1);
  switch (pattern.type) {
    case 'daily':
      for (let d = first; ; d = d.plus({ days: interval })) yield d;
    case 'weekly': {
      const days = (pattern.daysOfWeek ?? [WEEKDAYS[first.weekday - 1]]).map(weekday).sort((a, b) => a - b);
      const weekStartDay = weekday(pattern.firstDayOfWeek ?? 'sunday');
      const back = (first.weekday - weekStartDay + 7) % 7;
      const offsets = days.map((d) => (d - weekStartDay + 7) % 7).sort((a, b) => a - b);
      for (let week = first.minus({ days: back }); ; week = week.plus({ weeks: interval })) {
        for (const off of offsets) yield week.plus({ days: off });
      }
    }
    case 'absoluteMonthly':
      for (let m = first.startOf('month'); ; m = m.plus({ months: interval })) yield dayOrLast(m, pattern.dayOfMonth ?? first.day);
    case 'absoluteYearly':
      for (let y = first.startOf('year'); ; y = y.plus({ years: interval })) yield dayOrLast(y.set({ month: pattern.month ?? first.month }), pattern.dayOfMonth ?? first.day);
    case 'relativeMonthly':
    case 'relativeYearly': {
      const step = pattern.type === 'relativeMonthly' ? { months: interval } : { years: interval };
      const start = pattern.type === 'relativeMonthly' ? first.startOf('month') : first.startOf('year').set({ month: pattern.month ?? first.month });
      const days = (pattern.daysOfWeek ?? [WEEKDAYS[first.weekday - 1]]).map(weekday);
      const index = INDEX[pattern.index ?? 'first'];
      for (let m = start; ; m = m.plus(step)) {
        const matches: DateTime[] = [];
        for (let d = m; d.month === m.month; d = d.plus({ days: 1 })) if (days.includes(d.weekday)) matches.push(d);
        const pick = index === -1 ? matches[matches.length - 1] : matches[index];
        if (pick) yield pick;
      }
    }
  }
}

/** Original (unmoved) starts of every occurrence, up to `untilMs`. */
export function occurrenceStarts(master: StoredEvent, untilMs: number): number[] {
  const rec = master.recurrence;
  if (!rec) return [];
  const zone = ianaZoneOf(master.timeZone);
  const startDt = DateTime.fromISO(master.startLocal, { zone });
  const first = DateTime.fromISO(rec.range.startDate, { zone });
  const last = rec.range.type === 'endDate' && rec.range.endDate ? DateTime.fromISO(rec.range.endDate, { zone }).endOf('day') : null;
  const limit = rec.range.type === 'numbered' ? (rec.range.numberOfOccurrences ?? 1) : MAX_OCCURRENCES;
  const out: number[] = [];
  for (const date of candidateDates(rec.pattern, first)) {
    if (date < first) continue;
    if (last && date > last) break;
    const start = date.set({ hour: startDt.hour, minute: startDt.minute, second: startDt.second }).toMillis();
    if (start > untilMs || out.length >= limit) break;
    out.push(start);
  }
  return out;
}

/** Occurrences of a series overlapping [fromMs, toMs), exceptions applied, cancelled ones left out. */
export function expandSeries(master: StoredEvent, fromMs: number, toMs: number): ViewItem[] {
  const zone = ianaZoneOf(master.timeZone);
  const local = (s: string) => DateTime.fromISO(s, { zone: 'UTC' });
  // Wall-clock length, so an all-day or DST-crossing occurrence keeps its shape
  const length = local(master.endLocal).diff(local(master.startLocal), ['days', 'hours', 'minutes', 'seconds']);
  const items: ViewItem[] = [];
  for (const originalStartMs of occurrenceStarts(master, toMs + MOVE_SLACK_MS)) {
    const id = occurrenceId(master.id, originalStartMs);
    const override = master.exceptions.get(id);
    if (override?.cancelled) continue;
    let startMs: number;
    let endMs: number;
    let startLocal: string;
    let endLocal: string;
    if (override?.startMs !== undefined && override.endMs !== undefined) {
      ({ startMs, endMs } = override as { startMs: number; endMs: number });
      startLocal = override.startLocal!;
      endLocal = override.endLocal!;
    } else {
      const s = DateTime.fromMillis(originalStartMs, { zone });
      const e = s.plus(Duration.fromObject(length.toObject()));
      startMs = originalStartMs;
      endMs = e.toMillis();
      startLocal = s.toFormat("yyyy-LL-dd'T'HH:mm:ss");
      endLocal = e.toFormat("yyyy-LL-dd'T'HH:mm:ss");
    }
    if (endMs <= fromMs || startMs >= toMs) continue;
    items.push({
      id,
      event: master,
      occurrence: { originalStartMs, override },
      startMs,
      endMs,
      startLocal,
      endLocal,
      seq: Math.max(master.seq, override?.seq ?? 0),
    });
  }
  return items;
}
