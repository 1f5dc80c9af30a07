import { DataSource, EntityManager } from 'typeorm';
import { FeatureScope } from '../tenancy/feature-hooks';
import { PauseReason } from './connection.enums';

// Whether a connection's provider feature is enabled where it lives (PRODUCT.md "Plan gating"): the agency plan
// has it (else PLAN_DOWNGRADE) and the location did not switch it off (else LOCATION_DISABLED). Without it the
// connection pauses: no push, no sync; its data stays.

export type FeaturePause = PauseReason.NONE | PauseReason.PLAN_DOWNGRADE | PauseReason.LOCATION_DISABLED;

const FEATURE_PAUSE = `
  SELECT c.id,
         CASE WHEN NOT (p.features @> ARRAY[f.feature]) THEN 'PLAN_DOWNGRADE'
              WHEN EXISTS (SELECT 1 FROM location_disabled_features d WHERE d.location_id = c.location_id AND d.feature = f.feature) THEN 'LOCATION_DISABLED'
              ELSE 'NONE' END AS pause
    FROM connections c
    JOIN agencies a ON a.id = c.agency_id
    JOIN plans p ON p.code = a.plan_code
    CROSS JOIN LATERAL (SELECT CASE c.provider WHEN 'OUTLOOK' THEN 'OUTLOOK_CALENDAR' ELSE 'GOOGLE_CALENDAR' END AS feature) f`;

/** Connection ids in the scope, with the pause their features call for. */
export async function featurePausesIn(db: DataSource | EntityManager, scope: FeatureScope): Promise<Array<{ id: string; pause: FeaturePause }>> {
  if ('agencyId' in scope) return db.query(`${FEATURE_PAUSE} WHERE c.agency_id = $1`, [scope.agencyId]);
  if ('locationId' in scope) return db.query(`${FEATURE_PAUSE} WHERE c.location_id = $1`, [scope.locationId]);
  return db.query(`${FEATURE_PAUSE} WHERE a.plan_code = $1`, [scope.planCode]);
}
