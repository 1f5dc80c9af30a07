import { DataSource } from 'typeorm';
import { isService, Viewer } from '../app/auth/viewer';
import { forbidden } from '../app/errors/errors';
import { FeatureHooks } from './feature-hooks';
import { Plan } from './plan.entity';
import { Feature, PlanCode } from './tenancy.enums';

export class PlanService {
  constructor(
    private readonly ds: DataSource,
    private readonly featureHooks: FeatureHooks = new FeatureHooks(),
  ) {}

  /** The catalogue in price order. */
  list(): Promise<Plan[]> {
    return this.ds.getRepository(Plan).find({ order: { monthlyPriceUsd: 'ASC' } });
  }

  async setFeatures(viewer: Viewer, code: PlanCode, features: Feature[]): Promise<Plan> {
    if (!isService(viewer)) throw forbidden('Only the CRM service token may change the plan catalogue');
    const plan = await this.ds.getRepository(Plan).findOneByOrFail({ code });
    plan.features = Object.values(Feature).filter((f) => features.includes(f));
    const saved = await this.ds.getRepository(Plan).save(plan);
    await this.featureHooks.afterFeaturesChanged({ planCode: code });
    return saved;
  }
}
