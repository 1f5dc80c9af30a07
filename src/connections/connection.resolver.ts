import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { RequestContext, viewerOf } from '../app/context/request-context';
import { Location } from '../tenancy/location.entity';
import { User } from '../tenancy/user.entity';
import { Connection } from './connection.entity';
import { Provider } from './connection.enums';
import { ConnectionAuthorization } from './connection.types';
import { ProviderCalendar } from './provider-calendar.entity';

@Resolver(() => Connection)
export class ConnectionResolver {
  @Query(() => [Connection])
  connections(@Arg('locationId', () => ID) locationId: string, @Arg('userId', () => ID, { nullable: true }) userId: string | undefined, @Ctx() ctx: RequestContext): Promise<Connection[]> {
    return ctx.services.connections.list(viewerOf(ctx), locationId, userId);
  }

  @Mutation(() => ConnectionAuthorization, { description: "Begins OAuth for the viewer's own account; nobody can connect on another user's behalf." })
  startConnection(
    @Arg('locationId', () => ID) locationId: string,
    @Arg('provider', () => Provider) provider: Provider,
    @Arg('loginHint', () => String, { nullable: true, description: 'Pre-selects the account at the provider (optional).' }) loginHint: string | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<ConnectionAuthorization> {
    return ctx.services.connections.start(viewerOf(ctx), locationId, provider, loginHint ?? undefined);
  }

  @Mutation(() => Connection, {
    description:
      'Finishes OAuth for clients that receive the redirect themselves (only the user the state was issued to); GET /oauth/{outlook|google}/callback does the same for browsers.',
  })
  completeConnection(@Arg('state') state: string, @Arg('code') code: string, @Ctx() ctx: RequestContext): Promise<Connection> {
    return ctx.services.connections.complete(viewerOf(ctx), state, code);
  }

  @Mutation(() => Boolean)
  disconnect(@Arg('connectionId', () => ID) connectionId: string, @Ctx() ctx: RequestContext): Promise<boolean> {
    return ctx.services.connections.disconnect(viewerOf(ctx), connectionId);
  }

  @Mutation(() => Connection)
  resyncConnection(@Arg('connectionId', () => ID) connectionId: string, @Ctx() ctx: RequestContext): Promise<Connection> {
    return ctx.services.connections.resync(viewerOf(ctx), connectionId);
  }

  @FieldResolver(() => User)
  async user(@Root() c: Connection, @Ctx() ctx: RequestContext): Promise<User> {
    return (await ctx.loaders.user.load(c.userId))!;
  }

  @FieldResolver(() => Location)
  async location(@Root() c: Connection, @Ctx() ctx: RequestContext): Promise<Location> {
    return (await ctx.loaders.location.load(c.locationId))!;
  }

  @FieldResolver(() => [ProviderCalendar])
  calendars(@Root() c: Connection, @Ctx() ctx: RequestContext): Promise<ProviderCalendar[]> {
    return ctx.loaders.calendarsByConnection.load(c.id);
  }
}

@Resolver(() => ProviderCalendar)
export class ProviderCalendarResolver {
  @FieldResolver(() => Provider)
  async provider(@Root() pc: ProviderCalendar, @Ctx() ctx: RequestContext): Promise<Provider> {
    return (await ctx.loaders.connection.load(pc.connectionId))!.provider;
  }

  @FieldResolver(() => Connection)
  async connection(@Root() pc: ProviderCalendar, @Ctx() ctx: RequestContext): Promise<Connection> {
    return (await ctx.loaders.connection.load(pc.connectionId))!;
  }
}
