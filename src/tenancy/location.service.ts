import { DataSource } from 'typeorm';
import { AccessService, UserWithLocations } from '../app/auth/access.service';
import { canSeeLocation } from '../app/auth/access-policy';
import { Viewer } from '../app/auth/viewer';
import { badInput } from '../app/errors/errors';
import { isUuid } from '../app/validation/ids';
import { requireName, requireTimezone } from '../app/validation/validate';
import { FeatureHooks } from './feature-hooks';
import { Location } from './location.entity';
import { LocationDisabledFeature } from './location-disabled-feature.entity';
import { LocationMember } from './location-member.entity';
import { MembershipHooks } from './membership-hooks';
import { Feature } from './tenancy.enums';
import { CreateLocationInput } from './tenancy.inputs';

export class LocationService {
  constructor(
    private readonly ds: DataSource,
    private readonly access: AccessService,
    private readonly hooks: MembershipHooks,
    private readonly featureHooks: FeatureHooks = new FeatureHooks(),
  ) {}

  async find(viewer: Viewer, id: string): Promise<Location | null> {
    if (!isUuid(id)) return null;
    const loc = await this.ds.getRepository(Location).findOneBy({ id });
    return loc && canSeeLocation(viewer, loc) ? loc : null;
  }

  async create(viewer: Viewer, input: CreateLocationInput): Promise<Location> {
    const name = requireName('name', input.name);
    const timezone = requireTimezone('timezone', input.timezone);
    await this.access.requireAgency(viewer, input.agencyId, 'administer');
    return this.ds.getRepository(Location).save(this.ds.getRepository(Location).create({ agencyId: input.agencyId, name, timezone }));
  }

  async addMember(viewer: Viewer, locationId: string, userId: string): Promise<Location> {
    const loc = await this.access.requireLocation(viewer, locationId, 'manage');
    const target = await this.userOfAgency(viewer, loc, userId);
    if (!target.user.active) throw badInput('userId', 'the user is deactivated');
    await this.ds.getRepository(LocationMember).createQueryBuilder().insert().values({ locationId, userId, agencyId: loc.agencyId }).orIgnore().execute();
    return loc;
  }

  /** Disconnects the user's connections there and takes them off the location's calendars first. */
  async removeMember(viewer: Viewer, locationId: string, userId: string): Promise<Location> {
    const loc = await this.access.requireLocation(viewer, locationId, 'manage');
    await this.userOfAgency(viewer, loc, userId);
    await this.ds.transaction(async (tx) => {
      await this.hooks.beforeMembershipEnds(tx, userId, [locationId]);
      await tx.query(`DELETE FROM calendar_members cm USING calendars c WHERE cm.calendar_id = c.id AND c.location_id = $1 AND cm.user_id = $2`, [locationId, userId]);
      await tx.getRepository(LocationMember).delete({ locationId, userId });
    });
    return loc;
  }

  /** The user whose membership changes: one the viewer can see, of the location's agency. */
  private async userOfAgency(viewer: Viewer, loc: Location, userId: string): Promise<UserWithLocations> {
    const target = (await this.access.visibleUsers(viewer, [userId])).get(userId);
    if (!target || target.user.agencyId !== loc.agencyId) throw badInput('userId', `no user ${userId} in this agency that you can see`);
    return target;
  }

  async setFeature(viewer: Viewer, locationId: string, feature: Feature, enabled: boolean): Promise<Location> {
    const loc = await this.access.requireLocation(viewer, locationId, 'administer');
    const repo = this.ds.getRepository(LocationDisabledFeature);
    if (enabled) await repo.delete({ locationId, feature });
    else await repo.createQueryBuilder().insert().values({ locationId, feature }).orIgnore().execute();
    await this.featureHooks.afterFeaturesChanged({ locationId });
    return loc;
  }
}
