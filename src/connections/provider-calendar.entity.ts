import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { CalendarAccess } from './calendar-access.enum';

/** A calendar of a connected account, as last listed by the provider. */
@ObjectType('ProviderCalendar')
@Entity('provider_calendars')
export class ProviderCalendar {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'connection_id', type: 'uuid' }) connectionId: string;
  @Column({ name: 'external_id', type: 'text' }) externalId: string;

  @Field()
  @Column({ type: 'text' })
  name: string;

  @Field()
  @Column({ name: 'can_write', type: 'boolean' })
  canWrite: boolean;

  @Field(() => CalendarAccess)
  @Column({ type: 'text' })
  access: CalendarAccess;

  @Field()
  @Column({ name: 'is_default', type: 'boolean' })
  isDefault: boolean;

  @Column({ name: 'time_zone', type: 'text', nullable: true }) timeZone: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
