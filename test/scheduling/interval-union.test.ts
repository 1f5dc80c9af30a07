import { unionOf, unionOfRanges, UnionSweep } from '../../src/scheduling/availability/interval-union';

// Unions of busy intervals (availability's merging step), against a naive reference on random inputs too.

const pairs = (u: Float64Array) => Array.from({ length: u.length / 2 }, (_, i) => [u[2 * i], u[2 * i + 1]]);
const union = (...ranges: Array<[number, number]>) => pairs(unionOfRanges(ranges.map(([start, end]) => ({ start, end }))));

/** Reference: the covered unit cells of [0, size), grouped into runs. */
function naiveUnion(ranges: Array<[number, number]>, size: number): number[][] {
  const covered = new Array<boolean>(size).fill(false);
  for (const [s, e] of ranges) for (let x = s; x < e; x++) covered[x] = true;
  const out: number[][] = [];
  for (let x = 0; x < size; x++) {
    if (!covered[x]) continue;
    if (out.length && out[out.length - 1][1] === x) out[out.length - 1][1] = x + 1;
    else out.push([x, x + 1]);
  }
  return out;
}

describe('interval unions', () => {
  test('nothing, and empty or inverted intervals, give an empty union', () => {
    expect(union()).toEqual([]);
    expect(union([5, 5], [7, 3])).toEqual([]);
  });

  test('disjoint intervals come back sorted; overlapping, nested and touching ones merge', () => {
    expect(union([30, 40], [10, 20])).toEqual([[10, 20], [30, 40]]);
    expect(union([10, 25], [20, 30])).toEqual([[10, 30]]);
    expect(union([10, 50], [20, 30], [25, 35])).toEqual([[10, 50]]);
    expect(union([10, 20], [20, 30])).toEqual([[10, 30]]);
    expect(union([10, 20], [21, 30])).toEqual([[10, 20], [21, 30]]);
  });

  test('an empty interval inside a gap neither fills nor splits it', () => {
    expect(union([10, 20], [25, 25], [30, 40])).toEqual([[10, 20], [30, 40]]);
    expect(union([10, 20], [20, 20], [20, 30])).toEqual([[10, 30]]);
  });

  test('matches a naive union on random intervals', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
    for (let round = 0; round < 200; round++) {
      const ranges: Array<[number, number]> = Array.from({ length: 1 + Math.floor(random() * 30) }, () => {
        const s = Math.floor(random() * 200);
        return [s, s + Math.floor(random() * 25) - 3];
      });
      expect(union(...ranges)).toEqual(naiveUnion(ranges, 250));
    }
  });

  test('unionOf takes starts and ends as typed arrays (sorted in place)', () => {
    expect(pairs(unionOf(Float64Array.of(50, 10, 15), Float64Array.of(60, 20, 30)))).toEqual([[10, 30], [50, 60]]);
  });
});

describe('sweeping a union with queries in start order', () => {
  test('overlap means sharing time: touching is not overlapping', () => {
    const sweep = new UnionSweep(unionOfRanges([{ start: 10, end: 20 }, { start: 40, end: 50 }]));
    expect([sweep.overlaps(0, 10), sweep.overlaps(5, 11), sweep.overlaps(20, 30), sweep.overlaps(30, 40), sweep.overlaps(35, 45), sweep.overlaps(50, 60)]).toEqual([
      false, true, false, false, true, false,
    ]);
  });

  test('agrees with a direct check for every slot of a day', () => {
    const busy = [
      { start: 95, end: 130 },
      { start: 100, end: 110 },
      { start: 240, end: 241 },
      { start: 300, end: 420 },
    ];
    const sweep = new UnionSweep(unionOfRanges(busy));
    for (let start = 0; start < 500; start += 15) {
      const direct = busy.some((b) => b.start < start + 30 && b.end > start);
      expect([start, sweep.overlaps(start, start + 30)]).toEqual([start, direct]);
    }
  });
});
