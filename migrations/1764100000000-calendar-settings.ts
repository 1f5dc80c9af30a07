import { MigrationInterface, QueryRunner } from 'typeorm';

// A CRM calendar's availability settings (issue 10 item 1). Existing calendars get the defaults of
// PRODUCT.md "Availability": Monday to Friday 09:00-17:00, no buffers, no notice, 60 days ahead, no cap.
// slot_interval_minutes null means "the slot duration", so the grid follows a later change of the duration.
export class CalendarSettings1764100000000 implements MigrationInterface {
  name = 'CalendarSettings1764100000000';

  async up(q: QueryRunner): Promise<void> {
    const nineToFive = JSON.stringify(['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'].map((day) => ({ day, windows: [{ start: '09:00', end: '17:00' }] })));
    await q.query(`
      ALTER TABLE calendars
        ADD COLUMN slot_interval_minutes int CHECK (slot_interval_minutes BETWEEN 5 AND 480),
        ADD COLUMN buffer_before_minutes int NOT NULL DEFAULT 0 CHECK (buffer_before_minutes BETWEEN 0 AND 240),
        ADD COLUMN buffer_after_minutes int NOT NULL DEFAULT 0 CHECK (buffer_after_minutes BETWEEN 0 AND 240),
        ADD COLUMN minimum_notice_minutes int NOT NULL DEFAULT 0 CHECK (minimum_notice_minutes >= 0),
        ADD COLUMN booking_window_days int NOT NULL DEFAULT 60 CHECK (booking_window_days BETWEEN 1 AND 730),
        ADD COLUMN max_appointments_per_day int CHECK (max_appointments_per_day > 0),
        ADD COLUMN weekly_hours jsonb NOT NULL DEFAULT '${nineToFive}'::jsonb CHECK (jsonb_typeof(weekly_hours) = 'array'),
        ADD COLUMN date_overrides jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(date_overrides) = 'array'),
        ADD COLUMN meeting_provider text NOT NULL DEFAULT 'NONE' CHECK (meeting_provider IN ('NONE', 'AUTO', 'TEAMS', 'GOOGLE_MEET'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE calendars DROP COLUMN slot_interval_minutes, DROP COLUMN buffer_before_minutes, DROP COLUMN buffer_after_minutes,
        DROP COLUMN minimum_notice_minutes, DROP COLUMN booking_window_days, DROP COLUMN max_appointments_per_day,
        DROP COLUMN weekly_hours, DROP COLUMN date_overrides, DROP COLUMN meeting_provider`);
  }
}
