import type { StoredCalendar, StoredEvent } from './emulator.types';
import { instanceOf } from './event-instance';
import { expandRecurrence } from './rrule-expander';

// A series whose rule or times changed loses the instances the new rule no longer makes (a series
// shortened by UNTIL/COUNT, moved to another day or hour). Google keeps them as cancelled
// instances, so an incremental sync with singleEvents=true reports each one as
// `status: "cancelled"` under the id clients stored; their exceptions are cancelled with them.

// How far ahead instances are compared (an endless series): past any sync window.
const HORIZON_MS = 3 * 366 * 86_400_000;

const instanceIds = (cal: StoredCalendar, master: StoredEvent, untilMs: number) =>
  new Map(expandRecurrence(master, cal.timeZone, -Infinity, untilMs).map((o) => [`${master.id}_${o.stamp}`, o]));

/**
 * Cancels the instances `before` had and `after` has not (tombstones marked `vanished`), and drops
 * such tombstones for instances the series has again. `mark` gives a changed event its new sequence.
 */
export function reconcileSeries(cal: StoredCalendar, before: StoredEvent, after: StoredEvent, mark: (ev: StoredEvent) => void): void {
  const untilMs = Math.max(Date.now(), before.startMs, after.startMs) + HORIZON_MS;
  const old = instanceIds(cal, before, untilMs);
  const now = after.recurrence && after.status !== 'cancelled' ? instanceIds(cal, after, untilMs) : new Map();
  for (const [id, occ] of old) {
    if (now.has(id)) continue;
    const stored = cal.events.get(id);
    if (stored) {
      if (stored.status === 'cancelled') continue;
      stored.status = 'cancelled';
      mark(stored);
      continue;
    }
    const tombstone: StoredEvent = { ...instanceOf(before, occ), status: 'cancelled', vanished: true, ord: cal.nextOrd++ };
    mark(tombstone);
    cal.events.set(id, tombstone);
    cal.exceptionIds.add(id);
  }
  for (const id of now.keys()) {
    if (!cal.events.get(id)?.vanished) continue;
    // back in the series (the change was undone): the master's new sequence lists it again
    cal.events.delete(id);
    cal.exceptionIds.delete(id);
  }
}
