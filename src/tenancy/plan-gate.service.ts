import { DataSource } from 'typeorm';
import { Plan } from './plan.entity';
import { assertFeatureAvailable } from './plan-gate';
import { FeatureFacts, featureFactsColumns } from './feature-facts';
import { Feature, UserType } from './tenancy.enums';

/** Who asks for a feature where: what gating needs, whoever the caller is (a viewer, or the user an OAuth state names). */
export interface GateSubject {
  userType: UserType;
  agencyId: string;
  locationId: string;
}

/** Plan gating for the provider features, computed from the catalogue in the database. */
export class PlanGateService {
  constructor(private readonly ds: DataSource) {}

  async assertAvailable(subject: GateSubject, feature: Feature): Promise<void> {
    const [catalog, [facts]] = await Promise.all([
      this.ds.getRepository(Plan).find(),
      this.ds.query(`SELECT ${featureFactsColumns('$1', '$2')}`, [subject.agencyId, subject.locationId]) as Promise<FeatureFacts[]>,
    ]);
    assertFeatureAvailable({
      feature,
      viewerType: subject.userType,
      planFeatures: facts.plan_features,
      catalog,
      locationDisabled: facts.disabled_features,
    });
  }
}
