import { MigrationInterface, QueryRunner } from 'typeorm';

// The outbox workers (issue 10 item 5): a worker claims a write with a lease (a killed worker's claim comes
// back when it expires), and a create sent to the provider is remembered before its answer arrives, so a
// cancel can tell "nothing was ever sent" (no event to remove) from "an event may exist" (find it, delete it).
export class OutboxLeases1764200000000 implements MigrationInterface {
  name = 'OutboxLeases1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE appointment_writes
        ADD COLUMN lease_owner uuid,
        ADD COLUMN lease_until timestamptz,
        -- The appointment version the first create attempt carried; null: no create was sent (the provider has no event).
        ADD COLUMN create_sent_version int`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE appointment_writes DROP COLUMN lease_owner, DROP COLUMN lease_until, DROP COLUMN create_sent_version`);
  }
}
