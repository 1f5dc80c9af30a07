import { DataSource } from 'typeorm';
import { rows } from '../app/database/sql';
import { Connection } from '../connections/connection.entity';
import { PauseReason, Provider } from '../connections/connection.enums';
import { ConnectionEvents } from '../connections/connection-events';
import { featureOffMessage } from '../connections/connection-rules';
import { featurePausesIn } from '../connections/feature-availability';
import { FeatureScope } from '../tenancy/feature-hooks';
import { SyncScheduler } from './sync-scheduler';

/**
 * The feature re-evaluation job, after the enabled features changed (plan catalogue, agency plan, location
 * switch): a connection whose feature is gone pauses (PLAN_DOWNGRADE or LOCATION_DISABLED), says why and
 * stops push; one whose feature is back resumes, catches up and restarts push. Its data stays either way.
 * A connection that needs reauthorization stays so: only its owner reconnecting ends that.
 */
export class FeatureReevaluationService {
  constructor(
    private readonly ds: DataSource,
    private readonly scheduler: SyncScheduler,
    private readonly events: ConnectionEvents,
    /** A paused connection resumed (the outbox sends the writes it held). */
    private readonly onResumed?: (connectionId: string) => Promise<void>,
  ) {}

  async apply(scope: FeatureScope): Promise<void> {
    for (const { id, pause } of await featurePausesIn(this.ds, scope)) {
      const [changed] = await rows<{ provider: Provider }>(
        this.ds,
        `UPDATE connections SET pause_reason = $2, updated_at = now(),
                last_error = CASE WHEN $2 = 'NONE' THEN NULL WHEN provider = 'OUTLOOK' THEN $3 ELSE $4 END
          WHERE id = $1 AND pause_reason <> 'NEEDS_REAUTH' AND pause_reason <> $2 RETURNING provider`,
        [id, pause, featureOffMessage(Provider.OUTLOOK), featureOffMessage(Provider.GOOGLE)],
      );
      if (!changed) continue;
      await this.scheduler.reconcilePush(id);
      if (pause === PauseReason.NONE) {
        await this.scheduler.syncConnection(id);
        await this.onResumed?.(id);
      }
      const conn = await this.ds.getRepository(Connection).findOneBy({ id });
      if (conn) this.events.statusChanged(conn);
    }
  }
}
