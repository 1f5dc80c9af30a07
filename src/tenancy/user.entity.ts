import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { UserRole, UserType } from './tenancy.enums';

@ObjectType('User')
@Entity('users')
export class User {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'agency_id', type: 'uuid' })
  agencyId: string;

  @Field()
  @Column({ type: 'text' })
  email: string;

  @Field()
  @Column({ type: 'text' })
  name: string;

  @Field(() => UserType)
  @Column({ type: 'text' })
  type: UserType;

  @Field(() => UserRole)
  @Column({ type: 'text' })
  role: UserRole;

  @Field()
  @Column({ type: 'boolean' })
  active: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
