import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType('ConflictsChangedEvent')
export class ConflictsChangedEvent {
  @Field(() => ID) userId: string;
  @Field(() => ID) locationId: string;
  @Field() from: Date;
  @Field() to: Date;
}
