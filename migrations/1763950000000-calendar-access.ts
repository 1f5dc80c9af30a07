import { MigrationInterface, QueryRunner } from 'typeorm';

// ProviderCalendar.access (FREE_BUSY, READ, WRITE): existing rows are WRITE where they could be written, READ
// otherwise (free/busy-only calendars were not listed before). can_write stays, always access = 'WRITE'.
export class CalendarAccess1763950000000 implements MigrationInterface {
  name = 'CalendarAccess1763950000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE provider_calendars ADD COLUMN access text`);
    await q.query(`UPDATE provider_calendars SET access = CASE WHEN can_write THEN 'WRITE' ELSE 'READ' END`);
    await q.query(`
      ALTER TABLE provider_calendars ALTER COLUMN access SET NOT NULL,
        ADD CONSTRAINT provider_calendars_access_check CHECK (access IN ('FREE_BUSY', 'READ', 'WRITE')),
        ADD CONSTRAINT provider_calendars_can_write_access_check CHECK (can_write = (access = 'WRITE'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Free/busy-only calendars did not exist before: they go, with their selections.
    await q.query(`DELETE FROM provider_calendars WHERE access = 'FREE_BUSY'`);
    await q.query(`ALTER TABLE provider_calendars DROP CONSTRAINT provider_calendars_can_write_access_check, DROP CONSTRAINT provider_calendars_access_check, DROP COLUMN access`);
  }
}
