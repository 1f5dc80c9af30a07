import { AccessService } from '../app/auth/access.service';
import { Viewer } from '../app/auth/viewer';
import { logger } from '../app/logging/logger';
import { maySeeEvent, SubscriptionScope } from './event-visibility';
import { ViewerCache } from './viewer-cache';

/**
 * Decides, for each event, whether a subscription may deliver it (async: the viewer is re-read).
 * Returns the viewer as they are now when it may (the event is rendered for them), otherwise null.
 */
export type EventFilter = (event: { locationId: string; userId: string }) => Promise<Viewer | null>;

export class RealtimeService {
  constructor(
    private readonly access: AccessService,
    private readonly viewers: ViewerCache,
  ) {}

  /**
   * Checks a conflictsChanged subscription (location visible; a named user visible and a member there)
   * and returns the filter for its events: one user, or every user of the location.
   */
  async authorizeConflicts(viewer: Viewer, locationId: string, userId: string | null): Promise<EventFilter> {
    const location = await this.access.requireLocation(viewer, locationId, 'read');
    if (userId) await this.access.requireVisibleMembers(viewer, location, [userId], 'userId', (id) => `no member ${id} of this location that you can see`);
    return this.filterFor(viewer, { topic: 'conflicts', location: { id: location.id, agencyId: location.agencyId }, userId });
  }

  /** syncStatusChanged: the location must be visible; which events pass is decided per event. */
  async authorizeSyncStatus(viewer: Viewer, locationId: string): Promise<EventFilter> {
    const location = await this.access.requireLocation(viewer, locationId, 'read');
    return this.filterFor(viewer, { topic: 'syncStatus', location: { id: location.id, agencyId: location.agencyId } });
  }

  // Access is re-evaluated for every event, not only at subscribe time: a user removed from the
  // location, demoted or deactivated stops receiving events within the cache's few seconds.
  private filterFor(subscriber: Viewer, scope: SubscriptionScope): EventFilter {
    return async (event) => {
      try {
        const viewer = subscriber.kind === 'user' ? await this.viewers.get(subscriber.user.id) : subscriber;
        return viewer && maySeeEvent(viewer, scope, event) ? viewer : null;
      } catch (err) {
        // Fail closed: an event that cannot be checked is not sent.
        logger.warn({ err, topic: scope.topic, locationId: scope.location.id }, 'subscription access check failed; event withheld');
        return null;
      }
    };
  }
}
