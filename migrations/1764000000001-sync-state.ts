import { MigrationInterface, QueryRunner } from 'typeorm';

// The sync engine's storage (issue 9 items 3 and 4):
// - why a connection is paused is a state of its own (never inferred from last_error's text);
// - per selected provider calendar, its sync state: cursor, the window it covers, a generation for
//   mark-and-sweep full syncs, failures and backoff, next poll, and a lease (one worker at a time);
// - external_events: one row per occurrence, user and location denormalised for availability queries.
export class SyncState1764000000001 implements MigrationInterface {
  name = 'SyncState1764000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE connections
        ADD COLUMN pause_reason text NOT NULL DEFAULT 'NONE' CHECK (pause_reason IN ('NONE', 'PLAN_DOWNGRADE', 'LOCATION_DISABLED', 'NEEDS_REAUTH')),
        ADD COLUMN calendars_listed_at timestamptz`);
    await q.query(`UPDATE connections SET pause_reason = 'NEEDS_REAUTH' WHERE status = 'NEEDS_REAUTH'`);
    // Paused by the plan or the location switch: derived from the plan and the switches, as the service does.
    await q.query(`
      UPDATE connections c SET pause_reason = x.pause
        FROM (SELECT c2.id,
                     CASE WHEN NOT (p.features @> ARRAY[f.feature]) THEN 'PLAN_DOWNGRADE'
                          WHEN EXISTS (SELECT 1 FROM location_disabled_features d WHERE d.location_id = c2.location_id AND d.feature = f.feature) THEN 'LOCATION_DISABLED'
                          ELSE 'NONE' END AS pause
                FROM connections c2
                JOIN agencies a ON a.id = c2.agency_id
                JOIN plans p ON p.code = a.plan_code
                CROSS JOIN LATERAL (SELECT CASE c2.provider WHEN 'OUTLOOK' THEN 'OUTLOOK_CALENDAR' ELSE 'GOOGLE_CALENDAR' END AS feature) f) x
       WHERE x.id = c.id AND c.pause_reason = 'NONE' AND x.pause <> 'NONE'`);

    await q.query(`
      CREATE TABLE calendar_sync_states (
        provider_calendar_id uuid PRIMARY KEY REFERENCES provider_calendars(id) ON DELETE CASCADE,
        connection_id uuid NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
        stage text NOT NULL DEFAULT 'QUEUED' CHECK (stage IN ('QUEUED', 'SYNCING', 'IDLE', 'BACKOFF', 'ERROR', 'PAUSED')),
        -- Graph deltaLink / Google nextSyncToken; null: the next sync is full.
        cursor text,
        window_start timestamptz,
        window_end timestamptz,
        -- Bumped when a full sync starts; rows it did not see (older generation) are swept when it ends.
        generation bigint NOT NULL DEFAULT 0,
        -- A full sync is owed while requested > done (a request during a running sync is not lost).
        full_sync_requested bigint NOT NULL DEFAULT 1,
        full_sync_done bigint NOT NULL DEFAULT 0,
        last_full_sync_at timestamptz,
        last_incremental_sync_at timestamptz,
        consecutive_failures int NOT NULL DEFAULT 0,
        next_poll_at timestamptz,
        next_attempt_at timestamptz,
        last_error text,
        lease_owner uuid,
        lease_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX calendar_sync_states_connection_idx ON calendar_sync_states (connection_id)`);
    await q.query(`CREATE INDEX calendar_sync_states_poll_idx ON calendar_sync_states (next_poll_at)`);

    await q.query(`
      CREATE TABLE external_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        provider_calendar_id uuid NOT NULL REFERENCES provider_calendars(id) ON DELETE CASCADE,
        location_id uuid NOT NULL,
        user_id uuid NOT NULL,
        external_id text NOT NULL,
        series_external_id text,
        title text,
        start_time timestamptz NOT NULL,
        end_time timestamptz NOT NULL,
        is_all_day boolean NOT NULL,
        availability text NOT NULL CHECK (availability IN ('FREE', 'TENTATIVE', 'BUSY', 'OUT_OF_OFFICE', 'WORKING_ELSEWHERE', 'UNKNOWN')),
        version text,
        -- The idempotency key we wrote it with (Graph transactionId / Google client id): events the service wrote itself.
        client_key text,
        generation bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (provider_calendar_id, external_id)
      )`);
    await q.query(`CREATE INDEX external_events_user_time_idx ON external_events (location_id, user_id, start_time)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE external_events, calendar_sync_states`);
    await q.query(`ALTER TABLE connections DROP COLUMN pause_reason, DROP COLUMN calendars_listed_at`);
  }
}
