import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../../../src/app/database/data-source';
import { MailboxBusyError } from '../../../src/sync/throttle/mailbox-busy.error';
import { mailboxKey, MailboxSemaphore, type MailboxPermit } from '../../../src/sync/throttle/mailbox-semaphore';
import { PgSlotStore } from '../../../src/sync/throttle/pg-slot.store';
import { RedisSlotStore } from '../../../src/sync/throttle/redis-slot.store';
import type { SlotStoreOptions } from '../../../src/sync/throttle/slot-store';
import { createTestDatabaseUrl } from '../../support/test-database';

// Two semaphore instances, as two app instances would hold them, on one PostgreSQL database or one Redis:
// never more than 4 requests in flight for one mailbox, another mailbox unaffected, and the slots of a
// holder killed with SIGKILL come back when its lease ends.

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const LEASE_MS = 800;

interface Backend {
  name: 'postgres' | 'redis';
  url: string;
  /** A semaphore as one app instance would have it (its own connections). */
  instance(opts?: Partial<SlotStoreOptions>): Promise<MailboxSemaphore>;
  prefix: string;
  close(): Promise<void>;
}

async function postgres(): Promise<Backend> {
  const url = await createTestDatabaseUrl();
  const sources: DataSource[] = [];
  const semaphores: MailboxSemaphore[] = [];
  return {
    name: 'postgres',
    url,
    prefix: '',
    async instance(opts = {}) {
      const ds = createDataSource({ url, poolSize: 3 });
      sources.push(ds);
      await ds.initialize();
      const s = new MailboxSemaphore(new PgSlotStore(ds, { leaseMs: LEASE_MS, ...opts }), { waitMs: 10_000 });
      semaphores.push(s);
      return s;
    },
    async close() {
      for (const s of semaphores) await s.close();
      for (const ds of sources) if (ds.isInitialized) await ds.destroy();
    },
  };
}

async function redis(): Promise<Backend> {
  const prefix = `calbridge-test:${randomUUID()}:`;
  const clients: Redis[] = [];
  const semaphores: MailboxSemaphore[] = [];
  return {
    name: 'redis',
    url: REDIS_URL,
    prefix,
    async instance(opts = {}) {
      const client = new Redis(REDIS_URL);
      clients.push(client);
      const s = new MailboxSemaphore(new RedisSlotStore(client, { leaseMs: LEASE_MS, keyPrefix: prefix, ...opts }), { waitMs: 10_000 });
      semaphores.push(s);
      return s;
    },
    async close() {
      for (const s of semaphores) await s.close();
      const keys = await clients[0]?.keys(`semaphore:${prefix}*`);
      if (keys?.length) await clients[0].del(...keys);
      for (const c of clients) c.disconnect();
    },
  };
}

/** Counts what is in flight, as a provider would see it. */
function inFlightMeter() {
  const m = { now: 0, max: 0 };
  return {
    m,
    async call(semaphore: MailboxSemaphore, mailbox: string, work: () => Promise<void>) {
      await semaphore.run(mailbox, async () => {
        m.now++;
        m.max = Math.max(m.max, m.now);
        try {
          await work();
        } finally {
          m.now--;
        }
      });
    },
  };
}

/** A provider request taking 1–8 ms. */
const request = () => new Promise<void>((resolve) => setTimeout(resolve, 1 + Math.floor(Math.random() * 8)));

/** The scenarios, run against each store by its own test file (so the two run in parallel). */
export function semaphoreScenarios(make: () => Promise<Backend>): void {
  let backend: Backend;
  let a: MailboxSemaphore;
  let b: MailboxSemaphore;
  const mailbox = () => mailboxKey('OUTLOOK', `${randomUUID()}.${randomUUID()}`);

  beforeAll(async () => {
    backend = await make();
    [a, b] = await Promise.all([backend.instance(), backend.instance()]);
  });
  afterAll(async () => {
    await backend?.close();
  });

  test('40 requests from two instances: never more than 4 in flight for one mailbox, all of them served', async () => {
    const box = mailbox();
    const meter = inFlightMeter();
    await Promise.all(Array.from({ length: 40 }, (_, i) => meter.call(i % 2 ? a : b, box, request)));
    expect(meter.m.max).toBe(4);
    expect(a.heldBy(box) + b.heldBy(box)).toBe(0);
  });

  test('a full mailbox makes the fifth wait until a slot is released, and leaves another mailbox alone', async () => {
    const box = mailbox();
    const held: MailboxPermit[] = [await a.acquire(box), await b.acquire(box), await a.acquire(box), await b.acquire(box)];
    await expect(a.acquire(box, { waitMs: 0 })).rejects.toBeInstanceOf(MailboxBusyError);
    await expect(b.acquire(box, { waitMs: 0 })).rejects.toBeInstanceOf(MailboxBusyError);

    // another mailbox (the same account at the other provider included) is not affected
    const other = await b.acquire(mailbox(), { waitMs: 0 });
    const sameIdOtherProvider = await a.acquire(box.replace(/^OUTLOOK:/, 'GOOGLE:'), { waitMs: 0 });
    await Promise.all([other.release(), sameIdOtherProvider.release()]);

    // the waiter of instance B gets the slot instance A frees
    const fifth = b.acquire(box, { waitMs: 10_000 });
    const order: string[] = [];
    void fifth.then(() => order.push('fifth granted'));
    order.push('releasing');
    await held[0].release();
    const permit = await fifth;
    expect(order).toEqual(['releasing', 'fifth granted']);
    await expect(a.acquire(box, { waitMs: 0 })).rejects.toBeInstanceOf(MailboxBusyError);
    await Promise.all([permit.release(), ...held.slice(1).map((p) => p.release())]);
    const again = await Promise.all([a.acquire(box, { waitMs: 0 }), a.acquire(box, { waitMs: 0 }), b.acquire(box, { waitMs: 0 }), b.acquire(box, { waitMs: 0 })]);
    await Promise.all(again.map((p) => p.release()));
  });

  test('the wait is bounded: MailboxBusyError after waitMs, never a slot beyond the limit', async () => {
    const box = mailbox();
    const held = await Promise.all([1, 2, 3, 4].map(() => a.acquire(box)));
    const started = Date.now();
    await expect(b.acquire(box, { waitMs: 300 })).rejects.toMatchObject({ constructor: MailboxBusyError, mailbox: box });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(Date.now() - started).toBeLessThan(2_000);
    await Promise.all(held.map((p) => p.release()));
  });

  test('a holder that renews keeps its slots past the lease', async () => {
    const box = mailbox();
    const held = await Promise.all([1, 2, 3, 4].map(() => a.acquire(box)));
    // waiting longer than the lease: the renewals keep every slot taken
    await expect(b.acquire(box, { waitMs: LEASE_MS * 1.5 })).rejects.toBeInstanceOf(MailboxBusyError);
    await Promise.all(held.map((p) => p.release()));
  });

  test('the slots of a holder killed with SIGKILL come back when its lease ends', async () => {
    const box = mailbox();
    const holder = await spawnHolder(backend, box, 4);
    holder.kill('SIGKILL');
    await once(holder, 'exit');
    const killedAt = Date.now();
    // still leased by the dead process
    await expect(a.acquire(box, { waitMs: 0 })).rejects.toBeInstanceOf(MailboxBusyError);
    const permits = await Promise.all([a.acquire(box), b.acquire(box), a.acquire(box), b.acquire(box)]);
    const after = Date.now() - killedAt;
    expect(after).toBeLessThan(LEASE_MS + 1_500);
    await expect(a.acquire(box, { waitMs: 0 })).rejects.toBeInstanceOf(MailboxBusyError);
    await Promise.all(permits.map((p) => p.release()));
  });
}

export const backends = { postgres, redis };

async function spawnHolder(backend: Backend, box: string, count: number): Promise<ChildProcess> {
  const script = join(__dirname, 'slot-holder.fixture.ts');
  const child = spawn(process.execPath, ['-r', '@swc-node/register', script, backend.name, backend.url, box, String(count), String(LEASE_MS), backend.prefix], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (c) => (err += c));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => c.toString().includes('held') && resolve());
    child.on('exit', (code) => reject(new Error(`slot holder exited (${code}): ${err}`)));
  });
  return child;
}
