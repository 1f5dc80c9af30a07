import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { RequestContext, viewerOf } from '../app/context/request-context';
import { ProviderCalendar } from '../connections/provider-calendar.entity';
import { ExternalEvent } from './external-event.types';

@Resolver(() => ExternalEvent)
export class ExternalEventResolver {
  @Query(() => [ExternalEvent], { description: "A user's synced third-party events overlapping [from, to) (at most 62 days); userId defaults to the viewer." })
  externalEvents(
    @Arg('locationId', () => ID) locationId: string,
    @Arg('from') from: Date,
    @Arg('to') to: Date,
    @Arg('userId', () => ID, { nullable: true }) userId: string | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<ExternalEvent[]> {
    return ctx.services.externalEvents.list(viewerOf(ctx), locationId, from, to, userId);
  }

  @FieldResolver(() => ProviderCalendar)
  async providerCalendar(@Root() e: ExternalEvent, @Ctx() ctx: RequestContext): Promise<ProviderCalendar> {
    return (await ctx.loaders.providerCalendar.load(e.providerCalendarId))!;
  }
}

/** ProviderCalendar's sync fields (the sync engine owns them). */
@Resolver(() => ProviderCalendar)
export class ProviderCalendarSyncResolver {
  @FieldResolver(() => Date, { nullable: true, description: "When this calendar's events were last brought up to date; null before its first sync (and for calendars not selected)." })
  async lastSyncedAt(@Root() pc: ProviderCalendar, @Ctx() ctx: RequestContext): Promise<Date | null> {
    return (await ctx.loaders.calendarSyncStatus.load(pc.id)).lastSyncedAt;
  }

  @FieldResolver(() => Boolean, { description: 'Provider push notifications are active for it; otherwise it is polled.' })
  async pushActive(@Root() pc: ProviderCalendar, @Ctx() ctx: RequestContext): Promise<boolean> {
    return (await ctx.loaders.calendarSyncStatus.load(pc.id)).pushActive;
  }
}
