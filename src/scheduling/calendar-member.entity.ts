import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('calendar_members')
export class CalendarMember {
  @PrimaryColumn({ name: 'calendar_id', type: 'uuid' })
  calendarId: string;

  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId: string;

  /** Order the members were given in (round-robin fairness breaks ties by it). */
  @Column({ type: 'int' })
  position: number;
}
