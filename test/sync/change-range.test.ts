import { blocksAvailability, changedRanges, EventChange, EventTimes } from '../../src/sync/change-range';
import type { EventAvailability } from '../../src/providers/calendar-provider';

const t = (hhmm: string, day = 2) => new Date(`2026-03-0${day}T${hhmm}:00Z`);
const ev = (from: string, to: string, availability: EventAvailability = 'BUSY', day = 2): EventTimes => ({ start: t(from, day), end: t(to, day), availability });
const iso = (ranges: Array<{ from: Date; to: Date }>) => ranges.map((r) => [r.from.toISOString().slice(5, 16), r.to.toISOString().slice(5, 16)]);

describe('change range', () => {
  test('what blocks: BUSY, OUT_OF_OFFICE, UNKNOWN; TENTATIVE only when the agency counts it', () => {
    const all: EventAvailability[] = ['FREE', 'TENTATIVE', 'BUSY', 'OUT_OF_OFFICE', 'WORKING_ELSEWHERE', 'UNKNOWN'];
    expect(all.filter((a) => blocksAvailability(a, false))).toEqual(['BUSY', 'OUT_OF_OFFICE', 'UNKNOWN']);
    expect(all.filter((a) => blocksAvailability(a, true))).toEqual(['TENTATIVE', 'BUSY', 'OUT_OF_OFFICE', 'UNKNOWN']);
  });

  test('nothing when nothing blocking changed: a free event added, a title edited, busy → out of office', () => {
    const changes: EventChange[] = [
      { old: null, new: ev('09:00', '10:00', 'FREE') },
      { old: ev('11:00', '12:00'), new: ev('11:00', '12:00') },
      { old: ev('13:00', '14:00', 'BUSY'), new: ev('13:00', '14:00', 'OUT_OF_OFFICE') },
      { old: ev('15:00', '16:00', 'WORKING_ELSEWHERE'), new: null },
      { old: ev('16:00', '17:00', 'TENTATIVE'), new: ev('16:30', '17:30', 'TENTATIVE') },
    ];
    expect(changedRanges(changes, false)).toEqual([]);
    // Counted as busy, the moved tentative event does change availability.
    expect(iso(changedRanges(changes, true))).toEqual([['03-02T16:00', '03-02T17:30']]);
  });

  test('a new, a deleted and a moved event: their old and new times, merged where they touch', () => {
    expect(iso(changedRanges([{ old: null, new: ev('09:00', '10:00') }], false))).toEqual([['03-02T09:00', '03-02T10:00']]);
    expect(iso(changedRanges([{ old: ev('09:00', '10:00'), new: null }], false))).toEqual([['03-02T09:00', '03-02T10:00']]);
    // Moved within the day: the old and the new slot, apart.
    expect(iso(changedRanges([{ old: ev('09:00', '10:00'), new: ev('14:00', '15:00') }], false))).toEqual([
      ['03-02T09:00', '03-02T10:00'],
      ['03-02T14:00', '03-02T15:00'],
    ]);
    // Extended: one range covering both.
    expect(iso(changedRanges([{ old: ev('09:00', '10:00'), new: ev('09:00', '11:00') }], false))).toEqual([['03-02T09:00', '03-02T11:00']]);
    // Busy → free frees the old time; free → busy takes the new time.
    expect(iso(changedRanges([{ old: ev('09:00', '10:00'), new: ev('09:00', '10:00', 'FREE') }], false))).toEqual([['03-02T09:00', '03-02T10:00']]);
    expect(iso(changedRanges([{ old: ev('09:00', '10:00', 'FREE'), new: ev('09:00', '10:00', 'UNKNOWN') }], false))).toEqual([['03-02T09:00', '03-02T10:00']]);
  });

  test('overlapping and touching changes merge; distant ones stay apart, sorted', () => {
    const changes: EventChange[] = [
      { old: null, new: ev('15:00', '16:00') },
      { old: null, new: ev('09:00', '10:00') },
      { old: null, new: ev('09:30', '11:00') },
      { old: null, new: ev('11:00', '11:30') },
      { old: null, new: ev('09:00', '10:00', 'BUSY', 5) },
    ];
    expect(iso(changedRanges(changes, false))).toEqual([
      ['03-02T09:00', '03-02T11:30'],
      ['03-02T15:00', '03-02T16:00'],
      ['03-05T09:00', '03-05T10:00'],
    ]);
  });

  test('many scattered changes: at most maxRanges, the closest neighbours merged first', () => {
    const changes: EventChange[] = [
      { old: null, new: ev('09:00', '10:00', 'BUSY', 1) },
      { old: null, new: ev('11:00', '12:00', 'BUSY', 1) },
      { old: null, new: ev('09:00', '10:00', 'BUSY', 4) },
      { old: null, new: ev('09:00', '10:00', 'BUSY', 8) },
    ];
    expect(iso(changedRanges(changes, false, 3))).toEqual([
      ['03-01T09:00', '03-01T12:00'],
      ['03-04T09:00', '03-04T10:00'],
      ['03-08T09:00', '03-08T10:00'],
    ]);
    expect(iso(changedRanges(changes, false, 1))).toEqual([['03-01T09:00', '03-08T10:00']]);
  });

  test('merging down to maxRanges gives what merging the closest pair one at a time gives, ties included', () => {
    // The plain definition: merge the closest neighbours (the earlier pair on a tie) until few enough are left.
    const byClosestPairs = (ranges: Array<[number, number]>, keep: number) => {
      const merged = ranges.map(([a, b]) => [a, b]);
      while (merged.length > keep) {
        let closest = 0;
        for (let i = 1; i < merged.length - 1; i++) if (merged[i + 1][0] - merged[i][1] < merged[closest + 1][0] - merged[closest][1]) closest = i;
        merged.splice(closest, 2, [merged[closest][0], merged[closest + 1][1]]);
      }
      return merged;
    };
    let seed = 42;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let round = 0; round < 200; round++) {
      // Disjoint busy events on a coarse grid, so equal gaps (ties) are common.
      const ranges: Array<[number, number]> = [];
      let at = 0;
      for (let i = 0, n = 1 + rand(30); i < n; i++) {
        const start = at + (1 + rand(4)) * 3_600_000;
        ranges.push([start, start + (1 + rand(2)) * 1_800_000]);
        at = start + 2 * 3_600_000;
      }
      const keep = 1 + rand(10);
      const changes = ranges.map(([a, b]) => ({ old: null, new: { start: new Date(a), end: new Date(b), availability: 'BUSY' as const } })).reverse();
      const got = changedRanges(changes, false, keep).map((r) => [r.from.getTime(), r.to.getTime()]);
      expect(got).toEqual(byClosestPairs(ranges, keep));
    }
  });
});

