import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { ProviderCalendar } from '../../connections/provider-calendar.entity';
import { User } from '../../tenancy/user.entity';
import { Calendar } from '../calendar.entity';
import { AppointmentStatus, ProviderWriteState } from './appointment.enums';
import { aggregateWriteState } from './write-state';

@ObjectType('ParticipantWrite')
export class ParticipantWrite {
  userId: string;
  providerCalendarId: string | null;

  @Field(() => User) user: User;

  @Field(() => ProviderWriteState) state: ProviderWriteState;

  @Field(() => ProviderCalendar, { nullable: true, description: 'The linked calendar the event was (or will be) written to; null when NOT_LINKED.' })
  providerCalendar: ProviderCalendar | null;

  @Field(() => String, { nullable: true, description: 'Why the write failed, in words a user can act on.' })
  error: string | null;
}

/** An appointment as read (built by the repository; calendar and users resolve by id through the loaders). */
@ObjectType('Appointment')
export class Appointment {
  @Field(() => ID) id: string;

  agencyId: string;
  locationId: string;
  calendarId: string;
  assignedUserId: string;
  /** In team order. */
  participantIds: string[];
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;

  @Field(() => Calendar) calendar: Calendar;
  @Field(() => User) assignedUser: User;

  @Field(() => [User], { description: 'Everyone whose time the appointment takes: the assigned user, or every team member of a COLLECTIVE calendar.' })
  participants: User[];

  @Field() title: string;
  @Field() startTime: Date;
  @Field() endTime: Date;
  @Field(() => AppointmentStatus) status: AppointmentStatus;

  @Field(() => ProviderWriteState, {
    description: 'PENDING while any participant\'s write is pending, FAILED when any failed for good, NOT_LINKED when no participant has a linked calendar, otherwise WRITTEN.',
  })
  get providerWriteState(): ProviderWriteState {
    return aggregateWriteState(this.writes.map((w) => w.state));
  }

  @Field(() => String, { nullable: true }) description: string | null;

  @Field(() => String, { nullable: true, description: 'The join link of the video meeting created with the provider event, once written.' })
  meetingUrl: string | null;

  @Field(() => [ParticipantWrite], { description: "Each participant's provider event." })
  writes: ParticipantWrite[];

  /** [start − buffer before, end + buffer after): the time it takes from each participant. */
  get occupied(): { from: Date; to: Date } {
    return {
      from: new Date(this.startTime.getTime() - this.bufferBeforeMinutes * 60_000),
      to: new Date(this.endTime.getTime() + this.bufferAfterMinutes * 60_000),
    };
  }
}

@InputType()
export class BookAppointmentInput {
  @Field(() => ID) calendarId: string;
  @Field() startTime: Date;
  @Field() title: string;
  @Field(() => ID, { nullable: true, description: 'For ROUND_ROBIN and SERVICE the service picks a free member fairly when this is absent.' })
  userId?: string | null;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => [String], { nullable: true, description: 'People outside the CRM (the contact) invited to the provider event.' })
  attendeeEmails?: string[] | null;
}
