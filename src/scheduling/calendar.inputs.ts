import { Field, ID, InputType, Int } from 'type-graphql';
import { CalendarType } from './calendar-type.enum';
import { DateOverrideInput, WeeklyHoursInput } from './settings/calendar-settings.types';
import { MeetingProvider } from './settings/meeting-provider.enum';

@InputType({ description: 'Settings left out take their defaults (create) or stay unchanged (update); weeklyHours and dateOverrides replace the whole list.' })
export class CreateCalendarInput {
  @Field(() => ID) locationId: string;
  @Field() name: string;
  @Field(() => CalendarType) type: CalendarType;
  @Field(() => [ID]) teamMemberIds: string[];
  @Field(() => Int) slotDurationMinutes: number;
  @Field(() => Int, { nullable: true }) slotIntervalMinutes?: number | null;
  @Field(() => Int, { nullable: true }) bufferBeforeMinutes?: number | null;
  @Field(() => Int, { nullable: true }) bufferAfterMinutes?: number | null;
  @Field(() => Int, { nullable: true }) minimumNoticeMinutes?: number | null;
  @Field(() => Int, { nullable: true }) bookingWindowDays?: number | null;
  @Field(() => Int, { nullable: true }) maxAppointmentsPerDay?: number | null;
  @Field(() => [WeeklyHoursInput], { nullable: true }) weeklyHours?: WeeklyHoursInput[] | null;
  @Field(() => [DateOverrideInput], { nullable: true }) dateOverrides?: DateOverrideInput[] | null;
  @Field(() => MeetingProvider, { nullable: true }) meetingProvider?: MeetingProvider | null;
}

@InputType()
export class UpdateCalendarInput {
  @Field(() => ID) id: string;
  @Field({ nullable: true }) name?: string;
  @Field(() => [ID], { nullable: true }) teamMemberIds?: string[];
  @Field(() => Int, { nullable: true }) slotDurationMinutes?: number;
  @Field(() => Int, { nullable: true }) slotIntervalMinutes?: number | null;
  @Field(() => Int, { nullable: true }) bufferBeforeMinutes?: number | null;
  @Field(() => Int, { nullable: true }) bufferAfterMinutes?: number | null;
  @Field(() => Int, { nullable: true }) minimumNoticeMinutes?: number | null;
  @Field(() => Int, { nullable: true }) bookingWindowDays?: number | null;
  @Field(() => Int, { nullable: true, description: 'Send 0 to remove the cap.' }) maxAppointmentsPerDay?: number | null;
  @Field(() => [WeeklyHoursInput], { nullable: true }) weeklyHours?: WeeklyHoursInput[] | null;
  @Field(() => [DateOverrideInput], { nullable: true }) dateOverrides?: DateOverrideInput[] | null;
  @Field(() => MeetingProvider, { nullable: true }) meetingProvider?: MeetingProvider | null;
}
