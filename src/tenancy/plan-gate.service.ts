import { DataSource } from 'typeorm';
import { UserViewer } from '../app/auth/viewer';
import { Plan } from './plan.entity';
import { assertFeatureAvailable } from './plan-gate';
import { Feature } from './tenancy.enums';

/** Plan gating for the provider features, computed from the catalogue in the database. */
export class PlanGateService {
  constructor(private readonly ds: DataSource) {}

  async assertAvailable(viewer: UserViewer, locationId: string, feature: Feature): Promise<void> {
    const [catalog, [row]] = await Promise.all([
      this.ds.getRepository(Plan).find(),
      this.ds.query(
        `SELECT a.plan_code, COALESCE(array_agg(d.feature) FILTER (WHERE d.feature IS NOT NULL), '{}') AS disabled
           FROM locations l JOIN agencies a ON a.id = l.agency_id
           LEFT JOIN location_disabled_features d ON d.location_id = l.id
          WHERE l.id = $1 GROUP BY a.plan_code`,
        [locationId],
      ) as Promise<Array<{ plan_code: string; disabled: Feature[] }>>,
    ]);
    const plan = catalog.find((p) => p.code === row?.plan_code);
    assertFeatureAvailable({
      feature,
      viewerType: viewer.user.type,
      planFeatures: plan?.features ?? [],
      catalog,
      locationDisabled: row?.disabled ?? [],
    });
  }
}
