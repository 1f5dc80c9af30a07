import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity('location_members')
export class LocationMember {
  @PrimaryColumn({ name: 'location_id', type: 'uuid' })
  locationId: string;

  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ name: 'agency_id', type: 'uuid' })
  agencyId: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
