import type { EventAvailability } from '../providers/calendar-provider';

// Which time a sync changed for availability: from the old and new times of the events it changed, the
// smallest ranges that cover every change of blocking time. Pure, unit-tested.

export interface EventTimes {
  start: Date;
  end: Date;
  availability: EventAvailability;
}

/** One stored event before and after a write (null: it did not exist / it is gone). */
export interface EventChange {
  old: EventTimes | null;
  new: EventTimes | null;
}

export interface TimeRange {
  from: Date;
  to: Date;
}

/** PRODUCT.md "Availability": BUSY, OUT_OF_OFFICE and UNKNOWN block; TENTATIVE only when the agency counts it. */
export function blocksAvailability(availability: EventAvailability, countTentativeAsBusy: boolean): boolean {
  return availability === 'BUSY' || availability === 'OUT_OF_OFFICE' || availability === 'UNKNOWN' || (availability === 'TENTATIVE' && countTentativeAsBusy);
}

/**
 * The smallest ranges covering every change of blocking time, sorted and disjoint; at most `maxRanges`
 * (beyond that the closest neighbours are merged, so a big sync still sends a few events, never the window).
 * O(n log n) in the changes: a first sync hands in every event of the calendar.
 */
export function changedRanges(changes: Iterable<EventChange>, countTentativeAsBusy: boolean, maxRanges = 8): TimeRange[] {
  // [from, to] in epoch ms: the old and new times of each change whose blocking time differs.
  const intervals: Array<[number, number]> = [];
  const add = (t: EventTimes) => {
    const from = t.start.getTime();
    const to = t.end.getTime();
    if (to > from) intervals.push([from, to]);
  };
  for (const c of changes) {
    const before = c.old && blocksAvailability(c.old.availability, countTentativeAsBusy) ? c.old : null;
    const after = c.new && blocksAvailability(c.new.availability, countTentativeAsBusy) ? c.new : null;
    // Same blocking time before and after (a title edited, busy → out of office): nothing changed.
    if (before && after && before.start.getTime() === after.start.getTime() && before.end.getTime() === after.end.getTime()) continue;
    if (before) add(before);
    if (after) add(after);
  }
  intervals.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const r of intervals) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) {
      if (r[1] > last[1]) last[1] = r[1];
    } else {
      merged.push([r[0], r[1]]);
    }
  }
  const keep = Math.max(1, maxRanges);
  if (merged.length <= keep) return merged.map(([from, to]) => ({ from: new Date(from), to: new Date(to) }));
  // Merging two neighbours leaves every other gap as it was, so merging the closest pair again and again (the
  // earlier pair first on a tie) keeps exactly the keep - 1 widest gaps (the later ones on a tie).
  const gaps = Array.from({ length: merged.length - 1 }, (_, i) => i);
  gaps.sort((a, b) => merged[b + 1][0] - merged[b][1] - (merged[a + 1][0] - merged[a][1]) || b - a);
  const cuts = gaps.slice(0, keep - 1).sort((a, b) => a - b);
  const out: TimeRange[] = [];
  let from = merged[0][0];
  for (const i of cuts) {
    out.push({ from: new Date(from), to: new Date(merged[i][1]) });
    from = merged[i + 1][0];
  }
  out.push({ from: new Date(from), to: new Date(merged[merged.length - 1][1]) });
  return out;
}
