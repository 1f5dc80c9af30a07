import { Arg, Ctx, ID, Resolver, Root, Subscription } from 'type-graphql';
import { filter, pipe } from '@graphql-yoga/subscription';
import { RequestContext, viewerOf } from '../app/context/request-context';
import { Connection } from '../connections/connection.entity';
import { SyncStatusEvent } from '../connections/connection.types';
import { ConflictsPayload, SyncStatusPayload } from './pubsub';
import { EventFilter } from './realtime.service';
import { ConflictsChangedEvent } from './realtime.types';

// The event's fields are resolved for the viewer as they are now, not as they were at subscribe time.
async function deliverTo(ctx: RequestContext, mayDeliver: EventFilter, event: { locationId: string; userId: string }): Promise<boolean> {
  const viewer = await mayDeliver(event);
  if (viewer) ctx.viewer = viewer;
  return viewer !== null;
}

@Resolver()
export class RealtimeResolver {
  @Subscription(() => ConflictsChangedEvent, {
    // Subscribing to a location the viewer may not see is refused; then every event is checked again.
    subscribe: async ({ args, context }) => {
      const ctx = context as RequestContext;
      const { locationId, userId } = args as { locationId: string; userId?: string | null };
      const mayDeliver = await ctx.services.realtime.authorizeConflicts(viewerOf(ctx), locationId, userId ?? null);
      return pipe(ctx.services.pubsub.subscribe('conflicts', locationId), filter((p: ConflictsPayload) => deliverTo(ctx, mayDeliver, p)));
    },
  })
  conflictsChanged(
    @Root() payload: ConflictsPayload,
    @Arg('locationId', () => ID) _locationId: string,
    @Arg('userId', () => ID, { nullable: true }) _userId: string | undefined,
    @Ctx() _ctx: RequestContext,
  ): ConflictsChangedEvent {
    return Object.assign(new ConflictsChangedEvent(), {
      userId: payload.userId,
      locationId: payload.locationId,
      from: new Date(payload.from),
      to: new Date(payload.to),
    });
  }

  @Subscription(() => SyncStatusEvent, {
    subscribe: async ({ args, context }) => {
      const ctx = context as RequestContext;
      const { locationId } = args as { locationId: string };
      const mayDeliver = await ctx.services.realtime.authorizeSyncStatus(viewerOf(ctx), locationId);
      return pipe(ctx.services.pubsub.subscribe('syncStatus', locationId), filter((p: SyncStatusPayload) => deliverTo(ctx, mayDeliver, p)));
    },
  })
  syncStatusChanged(@Root() payload: SyncStatusPayload, @Arg('locationId', () => ID) _locationId: string): SyncStatusEvent {
    const c = payload.connection;
    // The snapshot describes the connection as it was, even when it has since been disconnected.
    const connection = Object.assign(new Connection(), { ...c, lastSyncedAt: c.lastSyncedAt ? new Date(c.lastSyncedAt) : null });
    return Object.assign(new SyncStatusEvent(), { connection, at: new Date(payload.at), disconnected: payload.disconnected === true });
  }
}
