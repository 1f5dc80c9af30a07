import { DataSource, EntityManager } from 'typeorm';
import { FeatureScope } from '../tenancy/feature-hooks';

// Whether a connection's provider feature is enabled where it lives: the agency plan has it and the location
// did not switch it off (PRODUCT.md "Plan gating"). After a downgrade, connections without it stop push.

const AVAILABILITY = `
  SELECT c.id, (p.features @> ARRAY[f.feature]
          AND NOT EXISTS (SELECT 1 FROM location_disabled_features d WHERE d.location_id = c.location_id AND d.feature = f.feature)) AS available
    FROM connections c
    JOIN agencies a ON a.id = c.agency_id
    JOIN plans p ON p.code = a.plan_code
    CROSS JOIN LATERAL (SELECT CASE c.provider WHEN 'OUTLOOK' THEN 'OUTLOOK_CALENDAR' ELSE 'GOOGLE_CALENDAR' END AS feature) f`;

export async function isFeatureAvailable(db: DataSource | EntityManager, connectionId: string): Promise<boolean> {
  const [row] = await db.query(`${AVAILABILITY} WHERE c.id = $1`, [connectionId]);
  return row?.available === true;
}

/** Connection ids in the scope, with their availability. */
export async function availabilityIn(db: DataSource | EntityManager, scope: FeatureScope): Promise<Array<{ id: string; available: boolean }>> {
  if ('agencyId' in scope) return db.query(`${AVAILABILITY} WHERE c.agency_id = $1`, [scope.agencyId]);
  if ('locationId' in scope) return db.query(`${AVAILABILITY} WHERE c.location_id = $1`, [scope.locationId]);
  return db.query(`${AVAILABILITY} WHERE a.plan_code = $1`, [scope.planCode]);
}
