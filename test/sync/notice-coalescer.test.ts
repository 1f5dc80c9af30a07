import { createRateLimiter, RateLimiter } from '../../src/app/rate-limit/request-rate-limiter';
import { NoticeCoalescer, Schedule } from '../../src/sync/notice-coalescer';

describe('push notices limited per channel, coalesced past the limit', () => {
  let limiter: RateLimiter;
  let delivered: string[];
  let due: Array<{ ms: number; run: () => void; cancelled: boolean }>;
  let notices: NoticeCoalescer;
  // Timers are the test's: a held notice is released when the test says the window is over.
  const schedule: Schedule = (run, ms) => {
    const timer = { ms, run, cancelled: false };
    due.push(timer);
    return () => (timer.cancelled = true);
  };
  const releaseDue = async () => {
    for (const timer of due.splice(0)) if (!timer.cancelled) timer.run();
    await new Promise((resolve) => setImmediate(resolve));
  };

  beforeEach(async () => {
    // 3 at once, then 1 per second: a window of 3 s per channel.
    limiter = await createRateLimiter({ rps: 1, burst: 3, keyPrefix: 'test' }, 'push-channels');
    delivered = [];
    due = [];
    notices = new NoticeCoalescer(limiter, async (channelId, kind) => void delivered.push(`${channelId} ${kind}`), schedule);
  });
  afterEach(() => notices.close());

  test('a burst of one channel: the first ones go through, the rest become one held notice per kind, delivered later', async () => {
    for (let i = 0; i < 50; i++) await notices.notice('chan-1', 'changed');
    await notices.notice('chan-1', 'missed');
    await notices.notice('chan-1', 'missed');
    expect(delivered).toEqual(['chan-1 changed', 'chan-1 changed', 'chan-1 changed']);
    expect(due.map((d) => d.ms)).toEqual([expect.any(Number), expect.any(Number)]);
    expect(Math.max(...due.map((d) => d.ms))).toBeLessThanOrEqual(3000);

    // Another channel is not held back by this one.
    await notices.notice('chan-2', 'changed');
    expect(delivered.at(-1)).toBe('chan-2 changed');

    // When the window is over, what was held arrives, once per kind: nothing of the burst is lost.
    await releaseDue();
    expect(delivered.slice(4)).toEqual(['chan-1 changed', 'chan-1 missed']);
  });

  test('a held notice carries the time of the last notice it stands for (a sync started after it covers them all)', async () => {
    let now = 1_000;
    const times: number[] = [];
    notices = new NoticeCoalescer(limiter, async (_c, _k, receivedAt) => void times.push(receivedAt.getTime()), schedule, () => new Date(now++));
    for (let i = 0; i < 6; i++) await notices.notice('chan-4', 'changed');
    expect(times).toEqual([1_000, 1_001, 1_002]);
    await releaseDue();
    expect(times).toEqual([1_000, 1_001, 1_002, 1_005]);
  });

  test('held notices are delivered at shutdown, not dropped', async () => {
    for (let i = 0; i < 5; i++) await notices.notice('chan-3', 'changed');
    expect(delivered).toHaveLength(3);
    await notices.close();
    expect(delivered).toHaveLength(4);
    expect(due.every((d) => d.cancelled)).toBe(true);
  });
});
