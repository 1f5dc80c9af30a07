import { MigrationInterface, QueryRunner } from 'typeorm';

export class Connections1763800000000 implements MigrationInterface {
  name = 'Connections1763800000000';

  async up(q: QueryRunner): Promise<void> {
    // PKCE verifier and binding of an OAuth attempt; single use is an atomic UPDATE of used_at.
    await q.query(`
      CREATE TABLE oauth_states (
        nonce text PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        location_id uuid NOT NULL REFERENCES locations(id) ON DELETE CASCADE,
        provider text NOT NULL CHECK (provider IN ('OUTLOOK','GOOGLE')),
        code_verifier text NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      )`);
    // One provider account belongs to one user, anywhere in the service.
    await q.query(`
      CREATE TABLE provider_accounts (
        provider text NOT NULL CHECK (provider IN ('OUTLOOK','GOOGLE')),
        external_id text NOT NULL,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (provider, external_id)
      )`);
    await q.query(`
      CREATE TABLE connections (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        agency_id uuid NOT NULL,
        location_id uuid NOT NULL,
        user_id uuid NOT NULL,
        provider text NOT NULL CHECK (provider IN ('OUTLOOK','GOOGLE')),
        account_external_id text NOT NULL,
        account_email text NOT NULL,
        status text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE','NEEDS_REAUTH','ERROR')),
        sync_state text NOT NULL DEFAULT 'IDLE' CHECK (sync_state IN ('IDLE','QUEUED','SYNCING','ERROR')),
        last_synced_at timestamptz,
        last_error text,
        credentials text NOT NULL,
        granted_scopes text[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        -- One account per provider per user per location.
        UNIQUE (location_id, user_id, provider),
        UNIQUE (location_id, user_id, provider, account_external_id),
        FOREIGN KEY (location_id, user_id) REFERENCES location_members (location_id, user_id) ON DELETE CASCADE,
        FOREIGN KEY (provider, account_external_id) REFERENCES provider_accounts (provider, external_id)
      )`);
    await q.query(`CREATE INDEX connections_user_idx ON connections (user_id)`);
    await q.query(`CREATE INDEX connections_account_idx ON connections (provider, account_external_id)`);
    await q.query(`
      CREATE TABLE provider_calendars (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        connection_id uuid NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
        external_id text NOT NULL,
        name text NOT NULL,
        can_write boolean NOT NULL,
        is_default boolean NOT NULL,
        time_zone text,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (connection_id, external_id)
      )`);
    await q.query(`
      CREATE TABLE calendar_configurations (
        location_id uuid NOT NULL,
        user_id uuid NOT NULL,
        linked_calendar_id uuid REFERENCES provider_calendars(id) ON DELETE SET NULL,
        hide_event_details boolean NOT NULL DEFAULT false,
        sync_direction text NOT NULL DEFAULT 'TWO_WAY' CHECK (sync_direction IN ('TWO_WAY','ONE_WAY')),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (location_id, user_id),
        FOREIGN KEY (location_id, user_id) REFERENCES location_members (location_id, user_id) ON DELETE CASCADE
      )`);
    await q.query(`
      CREATE TABLE conflict_calendars (
        location_id uuid NOT NULL,
        user_id uuid NOT NULL,
        provider_calendar_id uuid NOT NULL REFERENCES provider_calendars(id) ON DELETE CASCADE,
        PRIMARY KEY (location_id, user_id, provider_calendar_id),
        FOREIGN KEY (location_id, user_id) REFERENCES calendar_configurations (location_id, user_id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX conflict_calendars_calendar_idx ON conflict_calendars (provider_calendar_id)`);
    // Provider push per calendar (Graph subscription / Google channel).
    await q.query(`
      CREATE TABLE push_channels (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        connection_id uuid NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
        provider_calendar_id uuid NOT NULL REFERENCES provider_calendars(id) ON DELETE CASCADE,
        channel_id text NOT NULL UNIQUE,
        resource_id text,
        secret text NOT NULL,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (provider_calendar_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE push_channels, conflict_calendars, calendar_configurations, provider_calendars, connections, provider_accounts, oauth_states`);
  }
}
