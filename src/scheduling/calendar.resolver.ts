import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { RequestContext, viewerOf } from '../app/context/request-context';
import { Provider } from '../connections/connection.enums';
import { Location } from '../tenancy/location.entity';
import { User } from '../tenancy/user.entity';
import { Calendar } from './calendar.entity';
import { supportedProviders } from './calendar-providers';
import { CreateCalendarInput, UpdateCalendarInput } from './calendar.inputs';

@Resolver(() => Calendar)
export class CalendarResolver {
  @Query(() => Calendar, { nullable: true })
  calendar(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Calendar | null> {
    return ctx.services.calendars.find(viewerOf(ctx), id);
  }

  @Mutation(() => Calendar)
  createCalendar(@Arg('input') input: CreateCalendarInput, @Ctx() ctx: RequestContext): Promise<Calendar> {
    return ctx.services.calendars.create(viewerOf(ctx), input);
  }

  @Mutation(() => Calendar)
  updateCalendar(@Arg('input') input: UpdateCalendarInput, @Ctx() ctx: RequestContext): Promise<Calendar> {
    return ctx.services.calendars.update(viewerOf(ctx), input);
  }

  @FieldResolver(() => Location)
  async location(@Root() cal: Calendar, @Ctx() ctx: RequestContext): Promise<Location> {
    return (await ctx.loaders.location.load(cal.locationId))!;
  }

  @FieldResolver(() => [User])
  async teamMembers(@Root() cal: Calendar, @Ctx() ctx: RequestContext): Promise<User[]> {
    const ids = await ctx.loaders.memberIdsByCalendar.load(cal.id);
    return (await ctx.loaders.user.loadMany(ids)).filter((u): u is User => u instanceof User);
  }

  @FieldResolver(() => [Provider], {
    description: 'Providers whose calendars this calendar reads for conflicts and writes appointments to (EVENT calendars: GOOGLE only).',
  })
  supportedProviders(@Root() cal: Calendar): Provider[] {
    return supportedProviders(cal.type);
  }
}
