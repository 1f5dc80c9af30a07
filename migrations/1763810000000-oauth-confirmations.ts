import { MigrationInterface, QueryRunner } from 'typeorm';

export class OAuthConfirmations1763810000000 implements MigrationInterface {
  name = 'OAuthConfirmations1763810000000';

  async up(q: QueryRunner): Promise<void> {
    // A browser callback whose provider account is not obviously the CRM user's waits here for a confirmation.
    // The token is single-use and stored hashed; the provider tokens are encrypted; it lives as long as its state.
    await q.query(`
      CREATE TABLE oauth_confirmations (
        token_hash text PRIMARY KEY,
        state_nonce text NOT NULL UNIQUE REFERENCES oauth_states(nonce) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        location_id uuid NOT NULL REFERENCES locations(id) ON DELETE CASCADE,
        provider text NOT NULL CHECK (provider IN ('OUTLOOK','GOOGLE')),
        account_external_id text NOT NULL,
        account_email text NOT NULL,
        account_name text,
        credentials text NOT NULL,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX oauth_confirmations_expires_idx ON oauth_confirmations (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE oauth_confirmations`);
  }
}
