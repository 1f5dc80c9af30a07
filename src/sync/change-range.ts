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

/** The time ranges whose blocking status a change alters: none for a title edit or a free event. */
function blockingIntervals(change: EventChange, countTentativeAsBusy: boolean): TimeRange[] {
  const before = change.old && blocksAvailability(change.old.availability, countTentativeAsBusy) ? change.old : null;
  const after = change.new && blocksAvailability(change.new.availability, countTentativeAsBusy) ? change.new : null;
  if (before && after && before.start.getTime() === after.start.getTime() && before.end.getTime() === after.end.getTime()) return [];
  return [before, after].filter((t): t is EventTimes => t !== null && t.end > t.start).map((t) => ({ from: t.start, to: t.end }));
}

/**
 * The smallest ranges covering every change of blocking time, sorted and disjoint; at most `maxRanges`
 * (beyond that the closest neighbours are merged, so a big sync still sends a few events, never the window).
 */
export function changedRanges(changes: Iterable<EventChange>, countTentativeAsBusy: boolean, maxRanges = 8): TimeRange[] {
  const intervals: TimeRange[] = [];
  for (const c of changes) intervals.push(...blockingIntervals(c, countTentativeAsBusy));
  intervals.sort((a, b) => a.from.getTime() - b.from.getTime());
  const merged: TimeRange[] = [];
  for (const r of intervals) {
    const last = merged[merged.length - 1];
    if (last && r.from <= last.to) {
      if (r.to > last.to) last.to = r.to;
    } else {
      merged.push({ from: r.from, to: r.to });
    }
  }
  while (merged.length > Math.max(1, maxRanges)) {
    let closest = 0;
    for (let i = 1; i < merged.length - 1; i++) {
      if (merged[i + 1].from.getTime() - merged[i].to.getTime() < merged[closest + 1].from.getTime() - merged[closest].to.getTime()) closest = i;
    }
    merged.splice(closest, 2, { from: merged[closest].from, to: merged[closest + 1].to });
  }
  return merged;
}
