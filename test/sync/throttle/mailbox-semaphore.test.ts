import { MailboxBusyError } from '../../../src/sync/throttle/mailbox-busy.error';
import { MailboxSemaphore } from '../../../src/sync/throttle/mailbox-semaphore';
import type { SlotLease, SlotStore } from '../../../src/sync/throttle/slot-store';

// The waiting of the semaphore, over an in-memory store that counts how often it is asked: the waiters
// of one instance never hammer the shared store, and are served in order.

class CountingStore implements SlotStore {
  taken = new Map<string, number>();
  asks = 0;
  async tryTake(mailbox: string, limit: number): Promise<SlotLease | null> {
    this.asks++;
    await Promise.resolve();
    const n = this.taken.get(mailbox) ?? 0;
    if (n >= limit) return null;
    this.taken.set(mailbox, n + 1);
    let done = false;
    return { release: async () => void (!done && (done = true) && this.taken.set(mailbox, this.taken.get(mailbox)! - 1)) };
  }
  async close() {}
}

describe('MailboxSemaphore waiting', () => {
  test('while another instance holds every slot, ten waiters ask the store a few times a second in all, then give up', async () => {
    const store = new CountingStore();
    store.taken.set('m', 4); // held elsewhere
    const s = new MailboxSemaphore(store, { pollMinMs: 20, pollMaxMs: 250 });
    const started = Date.now();
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => s.acquire('m', { waitMs: 1_000 })));
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof MailboxBusyError)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    // the first ask of each of the four front waiters, then the head alone, backing off to 250 ms
    expect(store.asks).toBeLessThanOrEqual(16); // each polling alone every 10 ms (redis-semaphore default) would be ~1,000
  });

  test('with every slot held by this instance nobody asks the store; a release serves the waiters in arrival order', async () => {
    const store = new CountingStore();
    const s = new MailboxSemaphore(store);
    const held = await Promise.all([1, 2, 3, 4].map(() => s.acquire('m')));
    const asksWhenFull = store.asks;
    const served: number[] = [];
    const waiting = [0, 1, 2].map((i) => s.acquire('m').then((p) => (served.push(i), p)));
    await Promise.resolve();
    expect(store.asks).toBe(asksWhenFull);
    await held[3].release();
    const first = await waiting[0];
    await held[2].release();
    await held[1].release();
    const rest = await Promise.all(waiting.slice(1));
    expect(served).toEqual([0, 1, 2]);
    expect(s.heldBy('m')).toBe(4);
    await Promise.all([held[0], first, ...rest].map((p) => p.release()));
    expect(s.heldBy('m')).toBe(0);
    expect(store.taken.get('m')).toBe(0);
  });

  test('run() releases the slot when the request fails', async () => {
    const store = new CountingStore();
    const s = new MailboxSemaphore(store);
    await expect(s.run('m', async () => Promise.reject(new Error('429')))).rejects.toThrow('429');
    expect(store.taken.get('m')).toBe(0);
  });

  test('close() rejects the waiters', async () => {
    const store = new CountingStore();
    store.taken.set('m', 4);
    const s = new MailboxSemaphore(store);
    const waiter = s.acquire('m', { waitMs: 10_000 });
    await s.close();
    await expect(waiter).rejects.toThrow(/closed/);
  });
});
