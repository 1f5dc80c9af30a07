import { EntityManager } from 'typeorm';

/**
 * Work that must happen before a user leaves locations (removeLocationMember, deactivateUser):
 * the connections feature registers "disconnect their connections there first".
 */
export type MembershipEndHook = (tx: EntityManager, userId: string, locationIds: string[]) => Promise<void>;

export class MembershipHooks {
  private readonly hooks: MembershipEndHook[] = [];

  register(hook: MembershipEndHook): void {
    this.hooks.push(hook);
  }

  async beforeMembershipEnds(tx: EntityManager, userId: string, locationIds: string[]): Promise<void> {
    for (const hook of this.hooks) await hook(tx, userId, locationIds);
  }
}
