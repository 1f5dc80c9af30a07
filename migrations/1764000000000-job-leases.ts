import { MigrationInterface, QueryRunner } from 'typeorm';

// Provider work moves into jobs (pg-boss, schema `pgboss`, installed by the job queue at start).
// - A connection's jobs (calendar list, push) hold a lease on its row, so two workers never run them at once.
// - A push channel outlives its calendar's row (calendar gone at the provider, deselected by a re-authorization):
//   the push job still has to stop it at the provider, so the row is kept with no calendar instead of cascading.
export class JobLeases1764000000000 implements MigrationInterface {
  name = 'JobLeases1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE connections ADD COLUMN job_lease uuid, ADD COLUMN job_lease_until timestamptz`);
    await q.query(`ALTER TABLE push_channels ALTER COLUMN provider_calendar_id DROP NOT NULL, DROP CONSTRAINT push_channels_provider_calendar_id_fkey`);
    await q.query(`ALTER TABLE push_channels ADD CONSTRAINT push_channels_provider_calendar_id_fkey FOREIGN KEY (provider_calendar_id) REFERENCES provider_calendars(id) ON DELETE SET NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM push_channels WHERE provider_calendar_id IS NULL`);
    await q.query(`ALTER TABLE push_channels DROP CONSTRAINT push_channels_provider_calendar_id_fkey, ALTER COLUMN provider_calendar_id SET NOT NULL`);
    await q.query(`ALTER TABLE push_channels ADD CONSTRAINT push_channels_provider_calendar_id_fkey FOREIGN KEY (provider_calendar_id) REFERENCES provider_calendars(id) ON DELETE CASCADE`);
    await q.query(`ALTER TABLE connections DROP COLUMN job_lease, DROP COLUMN job_lease_until`);
  }
}
