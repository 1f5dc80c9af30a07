import { MigrationInterface, QueryRunner } from 'typeorm';

// Availability reads each member's blocking events per conflict calendar and time range (only where they overlap
// the slots asked about): a GiST index on the calendar and the event's range finds exactly those, both bounds
// at once (a btree on start_time bounds only one side). Built CONCURRENTLY: the sync keeps writing meanwhile,
// which needs the migration outside a transaction.
export class BusyTimeIndex1764300000421 implements MigrationInterface {
  name = 'BusyTimeIndex1764300000421';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    // A build interrupted earlier leaves an invalid index of this name: start again.
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS external_events_calendar_range_idx`);
    await q.query(`CREATE INDEX CONCURRENTLY external_events_calendar_range_idx ON external_events USING gist (provider_calendar_id, tstzrange(start_time, end_time))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS external_events_calendar_range_idx`);
  }
}
