import { Field, Int, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { Feature, PlanCode } from './tenancy.enums';

@ObjectType('Plan')
@Entity('plans')
export class Plan {
  @Field(() => PlanCode)
  @PrimaryColumn({ type: 'text' })
  code: PlanCode;

  @Field()
  @Column({ type: 'text' })
  name: string;

  @Field(() => Int)
  @Column({ name: 'monthly_price_usd', type: 'int' })
  monthlyPriceUsd: number;

  @Field(() => [Feature])
  @Column({ type: 'text', array: true })
  features: Feature[];
}
