import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { RequestContext, viewerOf } from '../app/context/request-context';
import { ProviderCalendar } from '../connections/provider-calendar.entity';
import { Location } from '../tenancy/location.entity';
import { User } from '../tenancy/user.entity';
import { CalendarConfiguration, UpdateCalendarConfigurationInput } from './calendar-configuration.types';

@Resolver(() => CalendarConfiguration)
export class CalendarConfigurationResolver {
  @Query(() => CalendarConfiguration)
  calendarConfiguration(
    @Arg('locationId', () => ID) locationId: string,
    @Arg('userId', () => ID, { nullable: true }) userId: string | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<CalendarConfiguration> {
    return ctx.services.configuration.get(viewerOf(ctx), locationId, userId);
  }

  @Mutation(() => CalendarConfiguration)
  updateCalendarConfiguration(@Arg('input') input: UpdateCalendarConfigurationInput, @Ctx() ctx: RequestContext): Promise<CalendarConfiguration> {
    return ctx.services.configuration.update(viewerOf(ctx), input);
  }

  @FieldResolver(() => User)
  async user(@Root() cfg: CalendarConfiguration, @Ctx() ctx: RequestContext): Promise<User> {
    return (await ctx.loaders.user.load(cfg.userId))!;
  }

  @FieldResolver(() => Location)
  async location(@Root() cfg: CalendarConfiguration, @Ctx() ctx: RequestContext): Promise<Location> {
    return (await ctx.loaders.location.load(cfg.locationId))!;
  }

  @FieldResolver(() => ProviderCalendar, { nullable: true })
  linkedCalendar(@Root() cfg: CalendarConfiguration, @Ctx() ctx: RequestContext): Promise<ProviderCalendar | null> {
    return cfg.linkedCalendarId ? ctx.loaders.providerCalendar.load(cfg.linkedCalendarId) : Promise.resolve(null);
  }

  @FieldResolver(() => [ProviderCalendar])
  async conflictCalendars(@Root() cfg: CalendarConfiguration, @Ctx() ctx: RequestContext): Promise<ProviderCalendar[]> {
    return (await ctx.loaders.providerCalendar.loadMany(cfg.conflictCalendarIds)).filter((c): c is ProviderCalendar => c instanceof ProviderCalendar);
  }
}
