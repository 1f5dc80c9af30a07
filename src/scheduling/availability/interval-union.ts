// Unions of half-open [start, end) intervals in epoch milliseconds, pure. Availability merges thousands of busy
// intervals per request: starts and ends go into typed arrays and are sorted natively (no comparator calls,
// no object per interval), then one sweep counts how many intervals cover each point.

/** A union as sorted, disjoint, non-touching ranges, flat: [start0, end0, start1, end1, ...]. */
export type IntervalUnion = Float64Array;

/**
 * The union of the intervals [starts[i], ends[i]) (empty ones, end ≤ start, ignored). Overlapping and touching
 * intervals merge ([1, 2) and [2, 3) give [1, 3)), as nothing fits between them. The arrays are sorted in place.
 */
export function unionOf(starts: Float64Array, ends: Float64Array): IntervalUnion {
  let n = 0;
  for (let i = 0; i < starts.length; i++) {
    if (ends[i] > starts[i]) {
      starts[n] = starts[i];
      ends[n] = ends[i];
      n++;
    }
  }
  // A point is covered while more intervals have started than ended. Sorted separately, the k-th start is
  // never after the k-th end, so the count never drops below zero.
  const s = starts.subarray(0, n).sort();
  const e = ends.subarray(0, n).sort();
  const out: number[] = [];
  let depth = 0;
  let i = 0;
  let j = 0;
  while (j < n) {
    // Starts first at a tie: touching intervals merge.
    if (i < n && s[i] <= e[j]) {
      if (depth++ === 0) out.push(s[i]);
      i++;
    } else {
      if (--depth === 0) out.push(e[j]);
      j++;
    }
  }
  return Float64Array.from(out);
}

/** The union of intervals given as objects (slots, tests). */
export function unionOfRanges(ranges: ReadonlyArray<{ start: number; end: number }>): IntervalUnion {
  const starts = new Float64Array(ranges.length);
  const ends = new Float64Array(ranges.length);
  ranges.forEach((r, i) => {
    starts[i] = r.start;
    ends[i] = r.end;
  });
  return unionOf(starts, ends);
}

/**
 * Overlap tests against a union for queries whose start and end only grow (slots in start order, equal
 * lengths): one pointer moves forward, so a run of queries costs O(queries + ranges) in all.
 */
export class UnionSweep {
  private i = 0;
  constructor(private readonly union: IntervalUnion) {}

  /** Whether [start, end) overlaps the union (touching is no overlap). */
  overlaps(start: number, end: number): boolean {
    const u = this.union;
    while (this.i < u.length && u[this.i + 1] <= start) this.i += 2;
    return this.i < u.length && u[this.i] < end;
  }
}
