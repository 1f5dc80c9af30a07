import { DataSource, EntityManager } from 'typeorm';
import { FeatureScope } from '../tenancy/feature-hooks';
import { FeatureFacts, featureFactsColumns } from '../tenancy/feature-facts';
import { FeatureState, featureState } from '../tenancy/plan-gate';
import { FEATURE_OF, PauseReason, Provider } from './connection.enums';

// Whether a connection's provider feature is enabled where it lives (PRODUCT.md "Plan gating"), decided by
// the same rule as gating (featureState). Without it the connection pauses (PLAN_DOWNGRADE or
// LOCATION_DISABLED, stored as pause_reason): no push, no sync; its data stays.

export type FeaturePause = PauseReason.NONE | PauseReason.PLAN_DOWNGRADE | PauseReason.LOCATION_DISABLED;

type Row = FeatureFacts & { id: string; provider: Provider };

const FACTS = `SELECT c.id, c.provider, ${featureFactsColumns('c.agency_id', 'c.location_id')} FROM connections c`;

const PAUSE_OF: Record<FeatureState, FeaturePause> = {
  ENABLED: PauseReason.NONE,
  NOT_IN_PLAN: PauseReason.PLAN_DOWNGRADE,
  LOCATION_DISABLED: PauseReason.LOCATION_DISABLED,
};

const pauseOf = (r: Row): FeaturePause => PAUSE_OF[featureState(FEATURE_OF[r.provider], r.plan_features, r.disabled_features)];

async function factsIn(db: DataSource | EntityManager, scope: FeatureScope): Promise<Row[]> {
  if ('agencyId' in scope) return db.query(`${FACTS} WHERE c.agency_id = $1`, [scope.agencyId]);
  if ('locationId' in scope) return db.query(`${FACTS} WHERE c.location_id = $1`, [scope.locationId]);
  return db.query(`${FACTS} WHERE c.agency_id IN (SELECT a.id FROM agencies a WHERE a.plan_code = $1)`, [scope.planCode]);
}

export async function isFeatureAvailable(db: DataSource | EntityManager, connectionId: string): Promise<boolean> {
  const [row]: Row[] = await db.query(`${FACTS} WHERE c.id = $1`, [connectionId]);
  return row !== undefined && pauseOf(row) === PauseReason.NONE;
}

/** Connection ids in the scope, with their availability (one query for the whole scope). */
export async function availabilityIn(db: DataSource | EntityManager, scope: FeatureScope): Promise<Array<{ id: string; available: boolean }>> {
  return (await factsIn(db, scope)).map((r) => ({ id: r.id, available: pauseOf(r) === PauseReason.NONE }));
}

/** Connection ids in the scope, with the pause their features call for (one query for the whole scope). */
export async function featurePausesIn(db: DataSource | EntityManager, scope: FeatureScope): Promise<Array<{ id: string; pause: FeaturePause }>> {
  return (await factsIn(db, scope)).map((r) => ({ id: r.id, pause: pauseOf(r) }));
}
