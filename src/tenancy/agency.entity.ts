import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { CrossLocationPolicy, PlanCode } from './tenancy.enums';

@ObjectType('Agency')
@Entity('agencies')
export class Agency {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field()
  @Column({ type: 'text' })
  name: string;

  @Column({ name: 'plan_code', type: 'text' })
  planCode: PlanCode;

  @Field(() => CrossLocationPolicy)
  @Column({ name: 'cross_location_policy', type: 'text' })
  crossLocationPolicy: CrossLocationPolicy;

  @Field({ description: 'Whether TENTATIVE third-party events block availability (default false).' })
  @Column({ name: 'count_tentative_as_busy', type: 'boolean' })
  countTentativeAsBusy: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
