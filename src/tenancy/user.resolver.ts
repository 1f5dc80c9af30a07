import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { canSeeLocation } from '../app/auth/access-policy';
import { RequestContext, viewerOf } from '../app/context/request-context';
import { Agency } from './agency.entity';
import { Location } from './location.entity';
import { CreateUserInput } from './tenancy.inputs';
import { User } from './user.entity';

@Resolver(() => User)
export class UserResolver {
  @Mutation(() => User)
  createUser(@Arg('input') input: CreateUserInput, @Ctx() ctx: RequestContext): Promise<User> {
    return ctx.services.users.create(viewerOf(ctx), input);
  }

  @Mutation(() => User, { description: 'Disconnects all of the user\'s connections; the user can no longer sign in.' })
  deactivateUser(@Arg('userId', () => ID) userId: string, @Ctx() ctx: RequestContext): Promise<User> {
    return ctx.services.users.deactivate(viewerOf(ctx), userId);
  }

  @FieldResolver(() => Agency)
  async agency(@Root() user: User, @Ctx() ctx: RequestContext): Promise<Agency> {
    return (await ctx.loaders.agency.load(user.agencyId))!;
  }

  @FieldResolver(() => [Location], { description: 'The locations this user belongs to that the viewer may see.' })
  async locations(@Root() user: User, @Ctx() ctx: RequestContext): Promise<Location[]> {
    const viewer = viewerOf(ctx);
    const ids = await ctx.loaders.locationIdsByUser.load(user.id);
    const locations = await ctx.loaders.location.loadMany(ids);
    return locations.filter((l): l is Location => l instanceof Location && canSeeLocation(viewer, l));
  }
}
