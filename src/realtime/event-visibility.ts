import { canActForUser, canSeeLocation } from '../app/auth/access-policy';
import { Viewer } from '../app/auth/viewer';

/** What a subscription was opened for; fixed at subscribe time (a location's agency never changes). */
export type SubscriptionScope =
  | { topic: 'syncStatus'; location: { id: string; agencyId: string } }
  /** `userId`: the one user asked for, or null for every user of the location. */
  | { topic: 'conflicts'; location: { id: string; agencyId: string }; userId: string | null };

/**
 * The one rule for "may this viewer see this event now", applied to every event before it is sent,
 * with the viewer read fresh (null: deactivated or gone). The same rules as subscribing:
 * the location must be visible; syncStatusChanged shows admins of the location every member's
 * connections and users only their own; conflictsChanged shows the users it was asked for.
 */
export function maySeeEvent(viewer: Viewer | null, scope: SubscriptionScope, event: { locationId: string; userId: string }): boolean {
  if (!viewer || (viewer.kind === 'user' && !viewer.user.active)) return false;
  if (event.locationId !== scope.location.id || !canSeeLocation(viewer, scope.location)) return false;
  if (scope.topic === 'conflicts') return scope.userId === null || event.userId === scope.userId;
  return canActForUser(viewer, scope.location, event.userId);
}
