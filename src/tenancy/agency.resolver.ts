import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { canSeeLocation, canSeeUser } from '../app/auth/access-policy';
import { RequestContext, viewerOf } from '../app/context/request-context';
import { Agency } from './agency.entity';
import { Location } from './location.entity';
import { Plan } from './plan.entity';
import { CrossLocationPolicy, PlanCode } from './tenancy.enums';
import { CreateAgencyInput } from './tenancy.inputs';
import { User } from './user.entity';

@Resolver(() => Agency)
export class AgencyResolver {
  @Query(() => Agency, { nullable: true })
  agency(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Agency | null> {
    return ctx.services.agencies.find(viewerOf(ctx), id);
  }

  @Mutation(() => Agency, { description: 'Service token only: the CRM creates agencies and owns billing and the plan catalogue.' })
  createAgency(@Arg('input') input: CreateAgencyInput, @Ctx() ctx: RequestContext): Promise<Agency> {
    return ctx.services.agencies.create(viewerOf(ctx), input);
  }

  @Mutation(() => Agency)
  setAgencyPlan(@Arg('agencyId', () => ID) agencyId: string, @Arg('plan', () => PlanCode) plan: PlanCode, @Ctx() ctx: RequestContext): Promise<Agency> {
    return ctx.services.agencies.setPlan(viewerOf(ctx), agencyId, plan);
  }

  @Mutation(() => Agency)
  setCrossLocationPolicy(
    @Arg('agencyId', () => ID) agencyId: string,
    @Arg('policy', () => CrossLocationPolicy) policy: CrossLocationPolicy,
    @Ctx() ctx: RequestContext,
  ): Promise<Agency> {
    return ctx.services.agencies.setCrossLocationPolicy(viewerOf(ctx), agencyId, policy);
  }

  @Mutation(() => Agency)
  setCountTentativeAsBusy(@Arg('agencyId', () => ID) agencyId: string, @Arg('value') value: boolean, @Ctx() ctx: RequestContext): Promise<Agency> {
    return ctx.services.agencies.setCountTentativeAsBusy(viewerOf(ctx), agencyId, value);
  }

  @FieldResolver(() => Plan)
  async plan(@Root() agency: Agency, @Ctx() ctx: RequestContext): Promise<Plan> {
    return (await ctx.loaders.plan.load(agency.planCode))!;
  }

  @FieldResolver(() => [Location])
  async locations(@Root() agency: Agency, @Ctx() ctx: RequestContext): Promise<Location[]> {
    const viewer = viewerOf(ctx);
    return (await ctx.loaders.locationsByAgency.load(agency.id)).filter((l) => canSeeLocation(viewer, l));
  }

  @FieldResolver(() => [User])
  async users(@Root() agency: Agency, @Ctx() ctx: RequestContext): Promise<User[]> {
    const viewer = viewerOf(ctx);
    const users = await ctx.loaders.usersByAgency.load(agency.id);
    const memberships = await ctx.loaders.locationIdsByUser.loadMany(users.map((u) => u.id));
    return users.filter((u, i) => canSeeUser(viewer, u, (memberships[i] as string[]) ?? []));
  }
}
