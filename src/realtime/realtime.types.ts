import { Field, ID, ObjectType } from 'type-graphql';

// Rendered once per operation for all subscribers of an instance (shared-render): a field added here must read the
// same for every viewer allowed the event, or its events must no longer be marked renderOnce.
@ObjectType('ConflictsChangedEvent')
export class ConflictsChangedEvent {
  @Field(() => ID) userId: string;
  @Field(() => ID) locationId: string;
  @Field() from: Date;
  @Field() to: Date;
}
