import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { RequestContext, viewerOf } from '../../app/context/request-context';
import { Slot } from './slot.types';

@Resolver(() => Slot)
export class AvailabilityResolver {
  @Query(() => [Slot], { description: 'userIds: only these team members (BAD_USER_INPUT naming userIds for anyone else).' })
  freeSlots(
    @Arg('calendarId', () => ID) calendarId: string,
    @Arg('from') from: Date,
    @Arg('to') to: Date,
    @Arg('userIds', () => [ID], { nullable: true }) userIds: string[] | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<Slot[]> {
    return ctx.services.availability.freeSlots(viewerOf(ctx), calendarId, from, to, userIds);
  }
}
