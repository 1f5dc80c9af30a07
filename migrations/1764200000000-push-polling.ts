import { MigrationInterface, QueryRunner } from 'typeorm';

// Push and polling:
// - Push channels are renewed before they expire by a periodic scan: it finds them by expiry, and claims each for a
//   while (renew_attempted_at) so a renewal the provider keeps refusing is tried again later, not at every scan.
// - A calendar's sync records when it started (sync_started_at): a push notice received before that is already
//   covered by it (a notice held back by the per-channel limit does not cause one more sync).
export class PushPolling1764200000000 implements MigrationInterface {
  name = 'PushPolling1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE push_channels ADD COLUMN renew_attempted_at timestamptz`);
    await q.query(`CREATE INDEX push_channels_expiry_idx ON push_channels (expires_at)`);
    await q.query(`ALTER TABLE calendar_sync_states ADD COLUMN sync_started_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE calendar_sync_states DROP COLUMN sync_started_at`);
    await q.query(`DROP INDEX push_channels_expiry_idx`);
    await q.query(`ALTER TABLE push_channels DROP COLUMN renew_attempted_at`);
  }
}
