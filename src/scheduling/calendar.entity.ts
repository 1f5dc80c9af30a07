import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { CalendarType } from './calendar-type.enum';

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

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
