import Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import { MailboxSemaphore, type MailboxSemaphoreOptions } from './mailbox-semaphore';
import { PgSlotStore } from './pg-slot.store';
import { RedisSlotStore } from './redis-slot.store';
import type { SlotStoreOptions } from './slot-store';

export interface MailboxSemaphoreSettings extends Partial<MailboxSemaphoreOptions>, Partial<SlotStoreOptions> {
  /** Set: the slots live in Redis; unset: in PostgreSQL (request_slots). */
  redisUrl?: string;
  /** Redis keys start with it (tests isolate themselves with their own). */
  keyPrefix?: string;
}

/** The per-mailbox semaphore on Redis when REDIS_URL is set, on the service's PostgreSQL otherwise. */
export function createMailboxSemaphore(ds: DataSource, settings: MailboxSemaphoreSettings = {}): MailboxSemaphore {
  const { redisUrl, keyPrefix, leaseMs, renewEveryMs, ...options } = settings;
  const store = redisUrl
    ? new RedisSlotStore(new Redis(redisUrl, { maxRetriesPerRequest: 3 }), { leaseMs, renewEveryMs, keyPrefix, ownsClient: true })
    : new PgSlotStore(ds, { leaseMs, renewEveryMs });
  return new MailboxSemaphore(store, options);
}
