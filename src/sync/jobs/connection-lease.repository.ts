import { DataSource } from 'typeorm';
import { rows } from '../../app/database/sql';

/**
 * A connection's jobs (calendar list, push) run one at a time across workers: each holds a lease on the
 * connection's row. A killed worker's lease runs out, so the work is picked up again.
 */
export class ConnectionLeaseRepository {
  constructor(private readonly ds: DataSource) {}

  async claim(connectionId: string, holder: string, ttlSeconds: number): Promise<boolean> {
    const claimed = await rows(
      this.ds,
      `UPDATE connections SET job_lease = $2, job_lease_until = now() + make_interval(secs => $3)
        WHERE id = $1 AND (job_lease_until IS NULL OR job_lease_until <= now()) RETURNING id`,
      [connectionId, holder, ttlSeconds],
    );
    return claimed.length > 0;
  }

  /** Whether the connection still exists (a job for a disconnected one has nothing to do). */
  async exists(connectionId: string): Promise<boolean> {
    return (await rows(this.ds, `SELECT 1 FROM connections WHERE id = $1`, [connectionId])).length > 0;
  }

  async release(connectionId: string, holder: string): Promise<void> {
    await this.ds.query(`UPDATE connections SET job_lease = NULL, job_lease_until = NULL WHERE id = $1 AND job_lease = $2`, [connectionId, holder]);
  }
}
