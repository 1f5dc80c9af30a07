import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { ProviderCalendar } from '../connections/provider-calendar.entity';
import { Location } from '../tenancy/location.entity';
import { User } from '../tenancy/user.entity';
import { SyncDirection } from './sync-direction.enum';

/** A user's calendar configuration in one location (built by the service; user and location resolve by id). */
@ObjectType('CalendarConfiguration')
export class CalendarConfiguration {
  userId: string;
  locationId: string;
  linkedCalendarId: string | null;
  conflictCalendarIds: string[];

  @Field(() => User) user: User;
  @Field(() => Location) location: Location;

  @Field(() => ProviderCalendar, { nullable: true, description: 'Where new appointments are written; null means do not sync events to a linked calendar.' })
  linkedCalendar: ProviderCalendar | null;

  @Field(() => [ProviderCalendar], { description: 'Read for busy time. The linked calendar is always among them.' })
  conflictCalendars: ProviderCalendar[];

  @Field({ description: 'Third-party event titles are hidden (shown as null) from everyone but the owner.' })
  hideEventDetails: boolean;

  @Field(() => SyncDirection, {
    description: 'TWO_WAY: moves and deletions of an appointment\'s event at the provider come back to the appointment. ONE_WAY: the CRM only pushes.',
  })
  syncDirection: SyncDirection;
}

@InputType()
export class UpdateCalendarConfigurationInput {
  @Field(() => ID) locationId: string;
  @Field(() => ID, { nullable: true, description: 'Defaults to the viewer; admins may configure their team members.' }) userId?: string | null;
  @Field(() => ID, { nullable: true }) linkedCalendarId?: string | null;
  @Field(() => [ID]) conflictCalendarIds: string[];
  @Field(() => Boolean, { nullable: true }) hideEventDetails?: boolean | null;
  @Field(() => SyncDirection, { nullable: true }) syncDirection?: SyncDirection | null;
}
