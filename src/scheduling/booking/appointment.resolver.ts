import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { RequestContext, viewerOf } from '../../app/context/request-context';
import { ProviderCalendar } from '../../connections/provider-calendar.entity';
import { User } from '../../tenancy/user.entity';
import { Calendar } from '../calendar.entity';
import { Appointment, BookAppointmentInput, ParticipantWrite } from './appointment.types';

@Resolver(() => Appointment)
export class AppointmentResolver {
  @Query(() => [Appointment])
  appointments(
    @Arg('locationId', () => ID) locationId: string,
    @Arg('from') from: Date,
    @Arg('to') to: Date,
    @Arg('userId', () => ID, { nullable: true }) userId: string | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<Appointment[]> {
    return ctx.services.booking.list(viewerOf(ctx), locationId, from, to, userId);
  }

  @Mutation(() => Appointment)
  bookAppointment(@Arg('input') input: BookAppointmentInput, @Ctx() ctx: RequestContext): Promise<Appointment> {
    return ctx.services.booking.book(viewerOf(ctx), input);
  }

  @Mutation(() => Appointment)
  rescheduleAppointment(@Arg('id', () => ID) id: string, @Arg('startTime') startTime: Date, @Ctx() ctx: RequestContext): Promise<Appointment> {
    return ctx.services.booking.reschedule(viewerOf(ctx), id, startTime);
  }

  @Mutation(() => Appointment)
  cancelAppointment(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Appointment> {
    return ctx.services.booking.cancel(viewerOf(ctx), id);
  }

  @FieldResolver(() => Calendar)
  async calendar(@Root() a: Appointment, @Ctx() ctx: RequestContext): Promise<Calendar> {
    return (await ctx.loaders.calendar.load(a.calendarId))!;
  }

  @FieldResolver(() => User)
  async assignedUser(@Root() a: Appointment, @Ctx() ctx: RequestContext): Promise<User> {
    return (await ctx.loaders.user.load(a.assignedUserId))!;
  }

  @FieldResolver(() => [User])
  async participants(@Root() a: Appointment, @Ctx() ctx: RequestContext): Promise<User[]> {
    return (await ctx.loaders.user.loadMany(a.participantIds)).filter((u): u is User => u instanceof User);
  }
}

@Resolver(() => ParticipantWrite)
export class ParticipantWriteResolver {
  @FieldResolver(() => User)
  async user(@Root() w: ParticipantWrite, @Ctx() ctx: RequestContext): Promise<User> {
    return (await ctx.loaders.user.load(w.userId))!;
  }

  @FieldResolver(() => ProviderCalendar, { nullable: true })
  providerCalendar(@Root() w: ParticipantWrite, @Ctx() ctx: RequestContext): Promise<ProviderCalendar | null> {
    return w.providerCalendarId ? ctx.loaders.providerCalendar.load(w.providerCalendarId) : Promise.resolve(null);
  }
}
