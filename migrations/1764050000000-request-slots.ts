import { MigrationInterface, QueryRunner } from 'typeorm';

// The per-mailbox request semaphore without Redis: one row per (mailbox, slot), taken with a lease that
// its holder renews; a holder that dies stops renewing and its slot frees itself when the lease ends.
// No statement holds a transaction across a provider call. Half-empty pages keep the frequent updates HOT.
export class RequestSlots1764050000000 implements MigrationInterface {
  name = 'RequestSlots1764050000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE request_slots (
        mailbox text NOT NULL,
        slot smallint NOT NULL,
        holder uuid,
        expires_at timestamptz NOT NULL DEFAULT '-infinity',
        PRIMARY KEY (mailbox, slot)
      ) WITH (fillfactor = 50)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE request_slots`);
  }
}
