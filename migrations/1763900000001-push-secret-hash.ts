import { MigrationInterface, QueryRunner } from 'typeorm';

// Push channel secrets (Graph clientState, Google channel token) are kept only as their SHA-256 (hex):
// existing ones are hashed in place, so live channels keep verifying.
export class PushSecretHash1763900000001 implements MigrationInterface {
  name = 'PushSecretHash1763900000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE push_channels ADD COLUMN secret_hash text`);
    await q.query(`UPDATE push_channels SET secret_hash = encode(sha256(convert_to(secret, 'UTF8')), 'hex')`);
    await q.query(`ALTER TABLE push_channels ALTER COLUMN secret_hash SET NOT NULL, DROP COLUMN secret`);
  }

  async down(q: QueryRunner): Promise<void> {
    // The plaintext cannot come back: the channels go (their notifications stop verifying; push restarts on reconcile).
    await q.query(`DELETE FROM push_channels`);
    await q.query(`ALTER TABLE push_channels ADD COLUMN secret text NOT NULL, DROP COLUMN secret_hash`);
  }
}
