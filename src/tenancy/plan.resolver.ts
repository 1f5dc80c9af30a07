import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { RequestContext, viewerOf } from '../app/context/request-context';
import { Plan } from './plan.entity';
import { Feature, PlanCode } from './tenancy.enums';

@Resolver(() => Plan)
export class PlanResolver {
  @Query(() => [Plan])
  plans(@Ctx() ctx: RequestContext): Promise<Plan[]> {
    return ctx.services.plans.list();
  }

  @Mutation(() => Plan)
  setPlanFeatures(@Arg('plan', () => PlanCode) plan: PlanCode, @Arg('features', () => [Feature]) features: Feature[], @Ctx() ctx: RequestContext): Promise<Plan> {
    return ctx.services.plans.setFeatures(viewerOf(ctx), plan, features);
  }
}
