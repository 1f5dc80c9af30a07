import { DataSource } from 'typeorm';
import { AccessService } from '../app/auth/access.service';
import { canAdministerAgency, canManageLocation, canSeeLocation } from '../app/auth/access-policy';
import { isAdmin, Viewer } from '../app/auth/viewer';
import { badInput, forbidden } from '../app/errors/errors';
import { isUniqueViolation, isUuid } from '../app/validation/ids';
import { requireEmail, requireName } from '../app/validation/validate';
import { Location } from './location.entity';
import { LocationMember } from './location-member.entity';
import { MembershipHooks } from './membership-hooks';
import { PubSub } from '../realtime/pubsub';
import { UserType } from './tenancy.enums';
import { CreateUserInput } from './tenancy.inputs';
import { User } from './user.entity';

export class UserService {
  constructor(
    private readonly ds: DataSource,
    private readonly access: AccessService,
    private readonly hooks: MembershipHooks,
    private readonly pubsub?: PubSub,
  ) {}

  async create(viewer: Viewer, input: CreateUserInput): Promise<User> {
    const email = requireEmail('email', input.email);
    const name = requireName('name', input.name);
    const agency = await this.access.requireAgency(viewer, input.agencyId, 'read');
    // Agency admins create anyone; account admins create ACCOUNT users into locations they manage.
    if (!canAdministerAgency(viewer, agency.id)) {
      if (!isAdmin(viewer)) throw forbidden('Only admins may create users');
      if (input.type !== UserType.ACCOUNT) throw forbidden('Account admins may only create ACCOUNT users');
      if (input.locationIds.length === 0) throw badInput('locationIds', 'name at least one of your locations');
    }
    const locationIds = [...new Set(input.locationIds)];
    const locations = locationIds.length
      ? await this.ds.getRepository(Location).createQueryBuilder('l').where('l.id = ANY(:ids)', { ids: locationIds.filter(isUuid) }).getMany()
      : [];
    for (const id of locationIds) {
      const loc = locations.find((l) => l.id === id);
      if (!loc || loc.agencyId !== agency.id || !canSeeLocation(viewer, loc)) throw badInput('locationIds', `no location ${id} in this agency that you can see`);
      if (!canManageLocation(viewer, loc)) throw badInput('locationIds', `you do not manage location ${id}`);
    }
    try {
      return await this.ds.transaction(async (tx) => {
        const user = await tx.getRepository(User).save(tx.getRepository(User).create({ agencyId: agency.id, email, name, type: input.type, role: input.role, active: true }));
        if (locationIds.length) await tx.getRepository(LocationMember).insert(locationIds.map((locationId) => ({ locationId, userId: user.id, agencyId: agency.id })));
        return user;
      });
    } catch (err) {
      if (isUniqueViolation(err, 'users_agency_email_uq')) throw badInput('email', `a user with the email ${email} already exists in this agency`);
      throw err;
    }
  }

  /** Disconnects every connection of the user, takes them off all calendars; they can no longer sign in. */
  async deactivate(viewer: Viewer, userId: string): Promise<User> {
    const { user, locationIds } = await this.access.requireUser(viewer, userId);
    if (!canAdministerAgency(viewer, user.agencyId)) throw forbidden('Only an agency admin may deactivate users');
    if (viewer.kind === 'user' && viewer.user.id === user.id) throw forbidden('You cannot deactivate yourself');
    await this.ds.transaction(async (tx) => {
      await this.hooks.beforeMembershipEnds(tx, user.id, locationIds);
      await tx.query(`DELETE FROM calendar_members WHERE user_id = $1`, [user.id]);
      await tx.query(`UPDATE users SET active = false WHERE id = $1`, [user.id]);
    });
    // After the commit: every instance closes the user's open sockets (4403).
    this.pubsub?.publish('userRevoked', { userId: user.id });
    user.active = false;
    return user;
  }
}
