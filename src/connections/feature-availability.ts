import { DataSource, EntityManager } from 'typeorm';
import { FeatureScope } from '../tenancy/feature-hooks';
import { FeatureFacts, featureFactsColumns } from '../tenancy/feature-facts';
import { featureState } from '../tenancy/plan-gate';
import { FEATURE_OF, Provider } from './connection.enums';

// Whether a connection's provider feature is enabled where it lives (PRODUCT.md "Plan gating"), decided by
// the same rule as gating. After a downgrade, connections without it stop push.

type Row = FeatureFacts & { id: string; provider: Provider };

const FACTS = `SELECT c.id, c.provider, ${featureFactsColumns('c.agency_id', 'c.location_id')} FROM connections c`;

const available = (r: Row) => featureState(FEATURE_OF[r.provider], r.plan_features, r.disabled_features) === 'ENABLED';

export async function isFeatureAvailable(db: DataSource | EntityManager, connectionId: string): Promise<boolean> {
  const [row]: Row[] = await db.query(`${FACTS} WHERE c.id = $1`, [connectionId]);
  return row !== undefined && available(row);
}

/** Connection ids in the scope, with their availability (one query for the whole scope). */
export async function availabilityIn(db: DataSource | EntityManager, scope: FeatureScope): Promise<Array<{ id: string; available: boolean }>> {
  const rows: Row[] =
    'agencyId' in scope
      ? await db.query(`${FACTS} WHERE c.agency_id = $1`, [scope.agencyId])
      : 'locationId' in scope
        ? await db.query(`${FACTS} WHERE c.location_id = $1`, [scope.locationId])
        : await db.query(`${FACTS} WHERE c.agency_id IN (SELECT a.id FROM agencies a WHERE a.plan_code = $1)`, [scope.planCode]);
  return rows.map((r) => ({ id: r.id, available: available(r) }));
}
