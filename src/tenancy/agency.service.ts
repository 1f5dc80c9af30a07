import { DataSource } from 'typeorm';
import { AccessService } from '../app/auth/access.service';
import { canSeeAgency } from '../app/auth/access-policy';
import { isService, Viewer } from '../app/auth/viewer';
import { forbidden } from '../app/errors/errors';
import { isUuid } from '../app/validation/ids';
import { requireEmail, requireName } from '../app/validation/validate';
import { Agency } from './agency.entity';
import { FeatureHooks } from './feature-hooks';
import { CrossLocationPolicy, PlanCode, UserRole, UserType } from './tenancy.enums';
import { CreateAgencyInput } from './tenancy.inputs';
import { User } from './user.entity';

export class AgencyService {
  constructor(
    private readonly ds: DataSource,
    private readonly access: AccessService,
    private readonly featureHooks: FeatureHooks = new FeatureHooks(),
  ) {}

  /** By-id read: null when missing or invisible, so existence never leaks. */
  async find(viewer: Viewer, id: string): Promise<Agency | null> {
    if (!isUuid(id)) return null;
    const agency = await this.ds.getRepository(Agency).findOneBy({ id });
    return agency && canSeeAgency(viewer, agency.id) ? agency : null;
  }

  /** Service token only: creates the agency with its first agency admin. */
  async create(viewer: Viewer, input: CreateAgencyInput): Promise<Agency> {
    const name = requireName('name', input.name);
    const adminName = requireName('adminName', input.adminName);
    const adminEmail = requireEmail('adminEmail', input.adminEmail);
    if (!isService(viewer)) throw forbidden('Only the CRM service token may create agencies');
    return this.ds.transaction(async (tx) => {
      const agency = await tx.getRepository(Agency).save(
        tx.getRepository(Agency).create({ name, planCode: input.plan, crossLocationPolicy: CrossLocationPolicy.DENY, countTentativeAsBusy: false }),
      );
      await tx.getRepository(User).insert({ agencyId: agency.id, email: adminEmail, name: adminName, type: UserType.AGENCY, role: UserRole.ADMIN, active: true });
      return agency;
    });
  }

  async setPlan(viewer: Viewer, agencyId: string, plan: PlanCode): Promise<Agency> {
    const agency = await this.access.requireAgency(viewer, agencyId, 'read');
    if (!isService(viewer)) throw forbidden('Only the CRM service token may change an agency plan');
    agency.planCode = plan;
    const saved = await this.ds.getRepository(Agency).save(agency);
    await this.featureHooks.afterFeaturesChanged({ agencyId });
    return saved;
  }

  async setCrossLocationPolicy(viewer: Viewer, agencyId: string, policy: CrossLocationPolicy): Promise<Agency> {
    const agency = await this.access.requireAgency(viewer, agencyId, 'administer');
    agency.crossLocationPolicy = policy;
    return this.ds.getRepository(Agency).save(agency);
  }

  async setCountTentativeAsBusy(viewer: Viewer, agencyId: string, value: boolean): Promise<Agency> {
    const agency = await this.access.requireAgency(viewer, agencyId, 'administer');
    agency.countTentativeAsBusy = value;
    return this.ds.getRepository(Agency).save(agency);
  }
}
