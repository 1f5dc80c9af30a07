import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { RequestContext, viewerOf } from '../app/context/request-context';
import { Calendar } from '../scheduling/calendar.entity';
import { Agency } from './agency.entity';
import { Location } from './location.entity';
import { enabledFeatures } from './plan-gate';
import { Feature } from './tenancy.enums';
import { CreateLocationInput } from './tenancy.inputs';
import { User } from './user.entity';

@Resolver(() => Location)
export class LocationResolver {
  @Query(() => Location, { nullable: true })
  location(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Location | null> {
    return ctx.services.locations.find(viewerOf(ctx), id);
  }

  @Mutation(() => Location)
  createLocation(@Arg('input') input: CreateLocationInput, @Ctx() ctx: RequestContext): Promise<Location> {
    return ctx.services.locations.create(viewerOf(ctx), input);
  }

  @Mutation(() => Location)
  addLocationMember(@Arg('locationId', () => ID) locationId: string, @Arg('userId', () => ID) userId: string, @Ctx() ctx: RequestContext): Promise<Location> {
    return ctx.services.locations.addMember(viewerOf(ctx), locationId, userId);
  }

  @Mutation(() => Location, { description: 'Disconnects the user\'s connections in that location and takes them off its calendars.' })
  removeLocationMember(@Arg('locationId', () => ID) locationId: string, @Arg('userId', () => ID) userId: string, @Ctx() ctx: RequestContext): Promise<Location> {
    return ctx.services.locations.removeMember(viewerOf(ctx), locationId, userId);
  }

  @Mutation(() => Location)
  setLocationFeature(
    @Arg('locationId', () => ID) locationId: string,
    @Arg('feature', () => Feature) feature: Feature,
    @Arg('enabled') enabled: boolean,
    @Ctx() ctx: RequestContext,
  ): Promise<Location> {
    return ctx.services.locations.setFeature(viewerOf(ctx), locationId, feature, enabled);
  }

  @FieldResolver(() => Agency)
  async agency(@Root() loc: Location, @Ctx() ctx: RequestContext): Promise<Agency> {
    return (await ctx.loaders.agency.load(loc.agencyId))!;
  }

  @FieldResolver(() => [Feature], { description: "The agency plan's features minus those switched off for this location." })
  async enabledFeatures(@Root() loc: Location, @Ctx() ctx: RequestContext): Promise<Feature[]> {
    const agency = await ctx.loaders.agency.load(loc.agencyId);
    const [plan, disabled] = await Promise.all([ctx.loaders.plan.load(agency!.planCode), ctx.loaders.disabledFeatures.load(loc.id)]);
    return enabledFeatures(plan?.features ?? [], disabled);
  }

  @FieldResolver(() => [User])
  users(@Root() loc: Location, @Ctx() ctx: RequestContext): Promise<User[]> {
    return ctx.loaders.usersByLocation.load(loc.id);
  }

  @FieldResolver(() => [Calendar])
  calendars(@Root() loc: Location, @Ctx() ctx: RequestContext): Promise<Calendar[]> {
    return ctx.loaders.calendarsByLocation.load(loc.id);
  }
}
