import type { DataSource } from 'typeorm';
import { rows } from '../../app/database/sql';

export interface HeldSlot {
  mailbox: string;
  slot: number;
  holder: string;
}

/** The SQL of request_slots. Every statement stands alone: no transaction outlives it. Times are the database's. */
export class RequestSlotRepository {
  constructor(private readonly db: DataSource) {}

  /** Creates the mailbox's slots 0..limit-1 that do not exist yet. */
  async seed(mailbox: string, limit: number): Promise<void> {
    await this.db.query(`INSERT INTO request_slots (mailbox, slot) SELECT $1, g FROM generate_series(0, $2::int - 1) g ON CONFLICT DO NOTHING`, [mailbox, limit]);
  }

  /**
   * Takes one free slot (never taken, released, or its lease ended) for `holder`; null when none is free.
   * SKIP LOCKED: concurrent takers each get a different row or none, and never wait on each other.
   */
  async take(mailbox: string, limit: number, holder: string, leaseMs: number): Promise<number | null> {
    const taken = await rows<{ slot: number }>(
      this.db,
      `UPDATE request_slots s SET holder = $3, expires_at = clock_timestamp() + make_interval(secs => $4::float8 / 1000)
        WHERE (s.mailbox, s.slot) = (
          SELECT mailbox, slot FROM request_slots
           WHERE mailbox = $1 AND slot < $2 AND expires_at <= clock_timestamp()
           ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING s.slot`,
      [mailbox, limit, holder, leaseMs],
    );
    return taken.length ? taken[0].slot : null;
  }

  /** Extends the leases still held by their holders; returns the holders that still hold theirs. */
  async renew(held: readonly HeldSlot[], leaseMs: number): Promise<Set<string>> {
    if (!held.length) return new Set();
    const renewed = await rows<{ holder: string }>(
      this.db,
      `UPDATE request_slots s SET expires_at = clock_timestamp() + make_interval(secs => $4::float8 / 1000)
         FROM unnest($1::text[], $2::smallint[], $3::uuid[]) AS h(mailbox, slot, holder)
        WHERE s.mailbox = h.mailbox AND s.slot = h.slot AND s.holder = h.holder
        RETURNING s.holder`,
      [held.map((h) => h.mailbox), held.map((h) => h.slot), held.map((h) => h.holder), leaseMs],
    );
    return new Set(renewed.map((r) => r.holder));
  }

  /** Frees slots, each only if its holder still holds it (an ended lease may have passed to someone else). */
  async release(held: readonly HeldSlot[]): Promise<void> {
    if (!held.length) return;
    await this.db.query(
      `UPDATE request_slots s SET holder = NULL, expires_at = '-infinity'
         FROM unnest($1::text[], $2::smallint[], $3::uuid[]) AS h(mailbox, slot, holder)
        WHERE s.mailbox = h.mailbox AND s.slot = h.slot AND s.holder = h.holder`,
      [held.map((h) => h.mailbox), held.map((h) => h.slot), held.map((h) => h.holder)],
    );
  }
}
