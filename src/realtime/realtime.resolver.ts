import { Arg, Ctx, ID, Resolver, Root, Subscription } from 'type-graphql';
import { filter, pipe } from '@graphql-yoga/subscription';
import { RequestContext, viewerOf } from '../app/context/request-context';
import { ConflictsPayload } from './pubsub';
import { ConflictsChangedEvent } from './realtime.types';

@Resolver()
export class RealtimeResolver {
  @Subscription(() => ConflictsChangedEvent, {
    // Access is checked when subscribing: a location the viewer may not see is refused.
    subscribe: async ({ args, context }) => {
      const ctx = context as RequestContext;
      const { locationId, userId } = args as { locationId: string; userId?: string | null };
      const visibleUserIds = await ctx.services.realtime.authorizeConflicts(viewerOf(ctx), locationId, userId ?? null);
      return pipe(
        ctx.services.pubsub.subscribe('conflicts', locationId),
        filter((p: ConflictsPayload) => visibleUserIds(p.userId)),
      );
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
}
