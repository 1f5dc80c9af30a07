import { MigrationInterface, QueryRunner } from 'typeorm';

// A token refresh claims its connection with a lease instead of holding a row lock (a transaction)
// across the provider call; the lease ends when the refresh stores, gives up, or its time runs out.
export class RefreshLease1763900000000 implements MigrationInterface {
  name = 'RefreshLease1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE connections ADD COLUMN refresh_lease uuid, ADD COLUMN refresh_lease_until timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE connections DROP COLUMN refresh_lease, DROP COLUMN refresh_lease_until`);
  }
}
