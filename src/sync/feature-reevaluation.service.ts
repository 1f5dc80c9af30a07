import { DataSource } from 'typeorm';
import { Connection } from '../connections/connection.entity';
import { ConnectionStatus } from '../connections/connection.enums';
import { ConnectionEvents } from '../connections/connection-events';
import { featureOffMessage } from '../connections/connection-rules';
import { availabilityIn } from '../connections/feature-availability';
import { FeatureScope } from '../tenancy/feature-hooks';
import { SyncScheduler } from './sync-scheduler';

/**
 * The feature re-evaluation job, after the enabled features changed (plan catalogue, agency plan, location
 * switch): connections whose feature is gone say why and stop push; those whose feature is back resume.
 * Their data stays either way. Push itself is the push job's (it stops or starts channels by availability).
 */
export class FeatureReevaluationService {
  constructor(
    private readonly ds: DataSource,
    private readonly scheduler: SyncScheduler,
    private readonly events: ConnectionEvents,
  ) {}

  async apply(scope: FeatureScope): Promise<void> {
    for (const { id, available } of await availabilityIn(this.ds, scope)) {
      const conn = await this.ds.getRepository(Connection).findOneBy({ id });
      if (!conn || conn.status !== ConnectionStatus.ACTIVE) continue;
      const off = featureOffMessage(conn.provider);
      const lastError = available ? (conn.lastError === off ? null : conn.lastError) : off;
      await this.scheduler.reconcilePush(conn.id);
      if (lastError === conn.lastError) continue;
      await this.ds.query(`UPDATE connections SET last_error = $2, updated_at = now() WHERE id = $1`, [conn.id, lastError]);
      conn.lastError = lastError;
      this.events.statusChanged(conn);
    }
  }
}
