import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { CalendarType } from './calendar-type.enum';
import { DateOverride, WeeklyHours } from './settings/calendar-settings';
import { DateOverrideType, WeeklyHoursType } from './settings/calendar-settings.types';
import { MeetingProvider } from './settings/meeting-provider.enum';

/** A CRM booking calendar (not a provider calendar). */
@ObjectType('Calendar')
@Entity('calendars')
export class Calendar {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'location_id', type: 'uuid' })
  locationId: string;

  @Column({ name: 'agency_id', type: 'uuid' })
  agencyId: string;

  @Field()
  @Column({ type: 'text' })
  name: string;

  @Field(() => CalendarType)
  @Column({ type: 'text' })
  type: CalendarType;

  @Field(() => Int)
  @Column({ name: 'slot_duration_minutes', type: 'int' })
  slotDurationMinutes: number;

  /** null: the slot duration (so the grid follows a later change of the duration). See `slotIntervalMinutes`. */
  @Column({ name: 'slot_interval_minutes', type: 'int', nullable: true })
  slotIntervalSetting: number | null;

  @Field(() => Int, { description: 'Step between slot starts (default: the slot duration).' })
  get slotIntervalMinutes(): number {
    return this.slotIntervalSetting ?? this.slotDurationMinutes;
  }

  @Field(() => Int)
  @Column({ name: 'buffer_before_minutes', type: 'int' })
  bufferBeforeMinutes: number;

  @Field(() => Int)
  @Column({ name: 'buffer_after_minutes', type: 'int' })
  bufferAfterMinutes: number;

  @Field(() => Int, { description: 'No slot starts sooner than this after now.' })
  @Column({ name: 'minimum_notice_minutes', type: 'int' })
  minimumNoticeMinutes: number;

  @Field(() => Int, { description: 'No slot starts later than this many days after now.' })
  @Column({ name: 'booking_window_days', type: 'int' })
  bookingWindowDays: number;

  @Field(() => Int, { nullable: true, description: "Per team member per day (in the location's time zone); null: no cap." })
  @Column({ name: 'max_appointments_per_day', type: 'int', nullable: true })
  maxAppointmentsPerDay: number | null;

  @Field(() => [WeeklyHoursType], { description: "Bookable hours per weekday, in the location's time zone (default Monday to Friday 09:00-17:00)." })
  @Column({ name: 'weekly_hours', type: 'jsonb' })
  weeklyHours: WeeklyHours[];

  @Field(() => [DateOverrideType], { description: 'Dates whose hours replace the weekly ones; an empty list of windows closes that date.' })
  @Column({ name: 'date_overrides', type: 'jsonb' })
  dateOverrides: DateOverride[];

  @Field(() => MeetingProvider)
  @Column({ name: 'meeting_provider', type: 'text' })
  meetingProvider: MeetingProvider;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
