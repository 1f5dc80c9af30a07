import { DataSource } from 'typeorm';
import { AccessService } from '../app/auth/access.service';
import { Viewer } from '../app/auth/viewer';
import { badInput } from '../app/errors/errors';
import { canManageLocation } from '../app/auth/access-policy';

export class RealtimeService {
  constructor(
    private readonly ds: DataSource,
    private readonly access: AccessService,
  ) {}

  /**
   * Checks a conflictsChanged subscription and returns the filter for its events:
   * one user (who must be visible and a member there), or every user of the location the viewer may see.
   */
  async authorizeConflicts(viewer: Viewer, locationId: string, userId: string | null): Promise<(userId: string) => boolean> {
    await this.access.requireLocation(viewer, locationId, 'read');
    if (userId) {
      const target = (await this.access.visibleUsers(viewer, [userId])).get(userId);
      if (!target || !target.locationIds.includes(locationId)) throw badInput('userId', `no member ${userId} of this location that you can see`);
      return (id) => id === userId;
    }
    // Everyone who is a member of a location the viewer sees is visible to them.
    return () => true;
  }

  /** syncStatusChanged: admins of the location see every member's connections, users their own. */
  async authorizeSyncStatus(viewer: Viewer, locationId: string): Promise<(userId: string) => boolean> {
    const loc = await this.access.requireLocation(viewer, locationId, 'read');
    if (canManageLocation(viewer, loc)) return () => true;
    const self = viewer.kind === 'user' ? viewer.user.id : null;
    return (userId) => userId === self;
  }
}
