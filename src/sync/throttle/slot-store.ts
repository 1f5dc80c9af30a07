// Where the per-mailbox request slots live: PostgreSQL (request_slots) or Redis (redis-semaphore).
// A store takes one slot at a time and keeps it alive (renewing its lease) until released; a process
// that dies stops renewing, and its slots free themselves when their leases end.

export interface SlotLease {
  /** Frees the slot; idempotent. */
  release(): Promise<void>;
}

export interface SlotStore {
  /** One free slot of `mailbox` (at most `limit` taken at once, across every instance), or null now. */
  tryTake(mailbox: string, limit: number): Promise<SlotLease | null>;
  /** Frees every slot this store still holds and closes its connections. */
  close(): Promise<void>;
}

export interface SlotStoreOptions {
  /** How long a slot stays taken without renewal (a crashed holder's slots come back after it). */
  leaseMs: number;
  /** How often held leases are renewed; well under leaseMs. */
  renewEveryMs?: number;
}

export const DEFAULT_LEASE_MS = 30_000;
