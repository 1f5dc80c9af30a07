import { MigrationInterface, QueryRunner } from 'typeorm';

// Push channels are renewed before they expire by a periodic scan: it finds them by expiry, and claims each for
// a while (renew_attempted_at) so a renewal the provider keeps refusing is tried again later, not at every scan.
export class PushRenewal1764200000000 implements MigrationInterface {
  name = 'PushRenewal1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE push_channels ADD COLUMN renew_attempted_at timestamptz`);
    await q.query(`CREATE INDEX push_channels_expiry_idx ON push_channels (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX push_channels_expiry_idx`);
    await q.query(`ALTER TABLE push_channels DROP COLUMN renew_attempted_at`);
  }
}
