import { Field, ID, ObjectType } from 'type-graphql';

// Plain fields without middleware: a month of slots is thousands of field resolutions, and the global
// middleware (which only guards root fields) would turn each into a promise.
@ObjectType('Slot', { simpleResolvers: true })
export class Slot {
  @Field() startTime: Date;
  @Field() endTime: Date;
  @Field(() => [ID], { description: 'Team members free for the whole slot (all of them for COLLECTIVE calendars).' })
  userIds: string[];
}
