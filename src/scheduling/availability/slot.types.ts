import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType('Slot')
export class Slot {
  @Field() startTime: Date;
  @Field() endTime: Date;
  @Field(() => [ID], { description: 'Team members free for the whole slot (all of them for COLLECTIVE calendars).' })
  userIds: string[];
}
