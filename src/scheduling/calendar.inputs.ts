import { Field, ID, InputType, Int } from 'type-graphql';
import { CalendarType } from './calendar-type.enum';

@InputType()
export class CreateCalendarInput {
  @Field(() => ID) locationId: string;
  @Field() name: string;
  @Field(() => CalendarType) type: CalendarType;
  @Field(() => [ID]) teamMemberIds: string[];
  @Field(() => Int) slotDurationMinutes: number;
}

@InputType()
export class UpdateCalendarInput {
  @Field(() => ID) id: string;
  @Field({ nullable: true }) name?: string;
  @Field(() => [ID], { nullable: true }) teamMemberIds?: string[];
  @Field(() => Int, { nullable: true }) slotDurationMinutes?: number;
}
