import { Ctx, Query, Resolver } from 'type-graphql';
import { RequestContext, viewerOf } from '../app/context/request-context';
import { forbidden } from '../app/errors/errors';
import { User } from './user.entity';

@Resolver()
export class ViewerResolver {
  @Query(() => User)
  viewer(@Ctx() ctx: RequestContext): User {
    const viewer = viewerOf(ctx);
    if (viewer.kind !== 'user') throw forbidden('The service token is not a user');
    return viewer.user;
  }
}
