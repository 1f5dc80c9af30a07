import { MigrationInterface, QueryRunner } from 'typeorm';

// A provider's Retry-After is the mailbox's, not one calendar's: until it passes, no job of any instance sends that
// mailbox a request. One row per throttled mailbox (the same key as request_slots); rows past their time mean nothing.
export class MailboxThrottles1764300000137 implements MigrationInterface {
  name = 'MailboxThrottles1764300000137';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE mailbox_throttles (mailbox text PRIMARY KEY, until timestamptz NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE mailbox_throttles`);
  }
}
