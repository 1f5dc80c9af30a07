import { Arg, Ctx, ID, Resolver, Root, Subscription } from 'type-graphql';
import { Viewer } from '../app/auth/viewer';
import { RequestContext, viewerOf } from '../app/context/request-context';
import { Connection } from '../connections/connection.entity';
import { SyncStatusEvent } from '../connections/connection.types';
import { ConflictsPayload, SyncStatusPayload } from './pubsub';
import { ConflictsChangedEvent } from './realtime.types';

// The event's fields are resolved for the viewer as they are now, not as they were at subscribe time.
const renderFor = (ctx: RequestContext) => (viewer: Viewer) => {
  ctx.viewer = viewer;
};

@Resolver()
export class RealtimeResolver {
  @Subscription(() => ConflictsChangedEvent, {
    // Subscribing to a location the viewer may not see is refused; then every event is checked again.
    subscribe: async ({ args, context }) => {
      const ctx = context as RequestContext;
      const { locationId, userId } = args as { locationId: string; userId?: string | null };
      return ctx.services.realtime.conflicts(viewerOf(ctx), locationId, userId ?? null, renderFor(ctx));
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
      return ctx.services.realtime.syncStatus(viewerOf(ctx), locationId, renderFor(ctx));
    },
  })
  syncStatusChanged(@Root() payload: SyncStatusPayload, @Arg('locationId', () => ID) _locationId: string): SyncStatusEvent {
    const c = payload.connection;
    // The snapshot describes the connection as it was, even when it has since been disconnected.
    const connection = Object.assign(new Connection(), { ...c, lastSyncedAt: c.lastSyncedAt ? new Date(c.lastSyncedAt) : null });
    return Object.assign(new SyncStatusEvent(), { connection, at: new Date(payload.at), disconnected: payload.disconnected === true });
  }
}
