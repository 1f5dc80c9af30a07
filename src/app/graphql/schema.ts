import { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { createPubSub } from '@graphql-yoga/subscription';
import { PubSub } from '../../realtime/pubsub';
import { RealtimeResolver } from '../../realtime/realtime.resolver';
import { CalendarResolver } from '../../scheduling/calendar.resolver';
import { AvailabilityResolver } from '../../scheduling/availability/availability.resolver';
import { AppointmentResolver, ParticipantWriteResolver } from '../../scheduling/booking/appointment.resolver';
import { AgencyResolver } from '../../tenancy/agency.resolver';
import { LocationResolver } from '../../tenancy/location.resolver';
import { PlanResolver } from '../../tenancy/plan.resolver';
import { UserResolver } from '../../tenancy/user.resolver';
import { ViewerResolver } from '../../tenancy/viewer.resolver';
import { guardRootFields } from './require-viewer.guard';
import { ConnectionResolver, ProviderCalendarResolver } from '../../connections/connection.resolver';
import { CalendarConfigurationResolver } from '../../configuration/calendar-configuration.resolver';
import { ExternalEventResolver, ProviderCalendarSyncResolver } from '../../sync/external-events.resolver';

export const resolvers = [
  ViewerResolver,
  PlanResolver,
  AgencyResolver,
  LocationResolver,
  UserResolver,
  CalendarResolver,
  RealtimeResolver,
  ConnectionResolver,
  ProviderCalendarResolver,
  CalendarConfigurationResolver,
  ExternalEventResolver,
  ProviderCalendarSyncResolver,
  AvailabilityResolver,
  AppointmentResolver,
  ParticipantWriteResolver,
] as const;

export async function buildAppSchema(pubsub?: PubSub): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: [...resolvers],
    // Validation lives in the services (messages name the field); class-validator is not used.
    validate: false,
    // Every subscription has its own `subscribe`; this bus only satisfies type-graphql when printing the schema.
    pubSub: (pubsub ?? createPubSub()) as never,
  });
  return guardRootFields(schema);
}
