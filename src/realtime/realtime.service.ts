import { AccessService } from '../app/auth/access.service';
import { Viewer } from '../app/auth/viewer';
import { SubscriptionScope } from './event-visibility';
import { ConflictsPayload, SyncStatusPayload } from './pubsub';
import { SubscriptionHub } from './subscription-hub';

export class RealtimeService {
  constructor(
    private readonly access: AccessService,
    readonly hub: SubscriptionHub,
  ) {}

  /**
   * Opens a conflictsChanged subscription after checking it (location visible; a named user visible and a member
   * there): one user's events, or every user's of the location. `delivering` gets the subscriber as they are now,
   * before each event that passed the per-event check (see SubscriptionHub).
   */
  async conflicts(viewer: Viewer, locationId: string, userId: string | null, delivering: (viewer: Viewer) => void): Promise<AsyncIterableIterator<ConflictsPayload>> {
    const location = await this.access.requireLocation(viewer, locationId, 'read');
    if (userId) await this.access.requireVisibleMembers(viewer, location, [userId], 'userId', (id) => `no member ${id} of this location that you can see`);
    const scope: SubscriptionScope = { topic: 'conflicts', location: { id: location.id, agencyId: location.agencyId }, userId };
    return this.hub.open(scope, viewer, delivering) as AsyncIterableIterator<ConflictsPayload>;
  }

  /** syncStatusChanged: the location must be visible; which events pass is decided per event. */
  async syncStatus(viewer: Viewer, locationId: string, delivering: (viewer: Viewer) => void): Promise<AsyncIterableIterator<SyncStatusPayload>> {
    const location = await this.access.requireLocation(viewer, locationId, 'read');
    const scope: SubscriptionScope = { topic: 'syncStatus', location: { id: location.id, agencyId: location.agencyId } };
    return this.hub.open(scope, viewer, delivering) as AsyncIterableIterator<SyncStatusPayload>;
  }
}
