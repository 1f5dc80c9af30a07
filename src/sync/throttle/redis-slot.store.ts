import type Redis from 'ioredis';
import { Semaphore } from 'redis-semaphore';
import { logger } from '../../app/logging/logger';
import { DEFAULT_LEASE_MS, type SlotLease, type SlotStore, type SlotStoreOptions } from './slot-store';

// Slots in Redis through redis-semaphore: a sorted set per mailbox, one member per taken slot, scored by
// its holder's last renewal. Members older than the lease are dropped by the next taker, so a dead
// holder's slots come back. Scores are the instances' own clocks: keep them within a fraction of the lease.

export class RedisSlotStore implements SlotStore {
  private readonly leaseMs: number;
  private readonly renewEveryMs: number;
  private readonly held = new Set<Semaphore>();
  private readonly keyPrefix: string;
  private readonly ownsClient: boolean;

  constructor(
    private readonly redis: Redis,
    options: Partial<SlotStoreOptions> & { keyPrefix?: string; ownsClient?: boolean } = {},
  ) {
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.renewEveryMs = options.renewEveryMs ?? Math.max(50, Math.floor(this.leaseMs / 3));
    this.keyPrefix = options.keyPrefix ?? 'calbridge:mailbox:';
    this.ownsClient = options.ownsClient ?? false;
  }

  async tryTake(mailbox: string, limit: number): Promise<SlotLease | null> {
    const semaphore = new Semaphore(this.redis, `${this.keyPrefix}${mailbox}`, limit, {
      lockTimeout: this.leaseMs,
      refreshInterval: this.renewEveryMs,
      // One attempt: waiting is the MailboxSemaphore's (bounded, backing off), not a 10 ms poll loop
      acquireAttemptsLimit: 1,
      acquireTimeout: this.leaseMs,
      onLockLost: (err) => {
        this.held.delete(semaphore);
        logger.warn({ err, mailbox }, 'request slot lease lost before release');
      },
    });
    if (!(await semaphore.tryAcquire())) return null;
    this.held.add(semaphore);
    return {
      release: async () => {
        if (!this.held.delete(semaphore)) return;
        await semaphore.release();
      },
    };
  }

  async close(): Promise<void> {
    const all = [...this.held];
    this.held.clear();
    await Promise.allSettled(all.map((s) => s.release()));
    if (this.ownsClient) this.redis.disconnect();
  }
}
