import { FeatureScope } from '../tenancy/feature-hooks';
import { JobQueue } from './jobs/job-queue';
import { CALENDAR_LIST, FEATURE_REEVALUATION, PUSH_RECONCILE } from './jobs/queues';

/**
 * How the rest of the service asks for provider work: mutations and the OAuth callback commit their rows,
 * then call this, which only enqueues (coalesced per connection or calendar) and never waits on a provider.
 */
export class SyncScheduler {
  constructor(private readonly jobs: JobQueue) {}

  /** Push channels follow the connection's selection; `restart` replaces every channel (the repair). */
  async reconcilePush(connectionId: string, opts: { restart?: boolean } = {}): Promise<void> {
    await this.jobs.enqueue(PUSH_RECONCILE, { connectionId, restart: opts.restart === true }, { key: `${connectionId}${opts.restart ? ':restart' : ''}` });
  }

  async refreshCalendarList(connectionId: string): Promise<void> {
    await this.jobs.enqueue(CALENDAR_LIST, { connectionId }, { key: connectionId });
  }

  /** The enabled features changed in this scope: its connections pause or resume. */
  async reevaluateFeatures(scope: FeatureScope): Promise<void> {
    await this.jobs.enqueue(FEATURE_REEVALUATION, scope, { key: JSON.stringify(scope) });
  }
}
