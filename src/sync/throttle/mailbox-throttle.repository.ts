import type { DataSource } from 'typeorm';
import { rows } from '../../app/database/sql';

/** The SQL of mailbox_throttles. Times are the database's, shared by every instance. */
export class MailboxThrottleRepository {
  constructor(private readonly db: DataSource) {}

  /** How long the mailbox stays throttled, in ms (0: it is not). */
  async remainingMs(mailbox: string): Promise<number> {
    const [row] = await rows<{ ms: number }>(
      this.db,
      `SELECT ceil(extract(epoch FROM until - clock_timestamp()) * 1000)::float8 AS ms FROM mailbox_throttles WHERE mailbox = $1 AND until > clock_timestamp()`,
      [mailbox],
    );
    return row ? Math.max(1, Number(row.ms)) : 0;
  }

  /** Throttled for `ms` from now, unless already until later. */
  async throttle(mailbox: string, ms: number): Promise<void> {
    await this.db.query(
      `INSERT INTO mailbox_throttles (mailbox, until) VALUES ($1, clock_timestamp() + make_interval(secs => $2::float8 / 1000))
       ON CONFLICT (mailbox) DO UPDATE SET until = GREATEST(mailbox_throttles.until, EXCLUDED.until)`,
      [mailbox, ms],
    );
  }
}
