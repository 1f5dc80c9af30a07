import { Field, InputType, ObjectType } from 'type-graphql';
import { Weekday } from './weekday.enum';

// The GraphQL shapes of weekly hours and date overrides (stored as JSON on the calendar, in the same shape).

@ObjectType('TimeWindow', { description: 'A local time range of a day: start and end as HH:MM, end after start; end may be 24:00.' })
export class TimeWindowType {
  @Field() start: string;
  @Field() end: string;
}

@ObjectType('WeeklyHours')
export class WeeklyHoursType {
  @Field(() => Weekday) day: Weekday;
  @Field(() => [TimeWindowType]) windows: TimeWindowType[];
}

@ObjectType('DateOverride', { description: "date: YYYY-MM-DD in the location's time zone." })
export class DateOverrideType {
  @Field() date: string;
  @Field(() => [TimeWindowType]) windows: TimeWindowType[];
}

@InputType('TimeWindowInput')
export class TimeWindowInput {
  @Field() start: string;
  @Field() end: string;
}

@InputType('WeeklyHoursInput')
export class WeeklyHoursInput {
  @Field(() => Weekday) day: Weekday;
  @Field(() => [TimeWindowInput]) windows: TimeWindowInput[];
}

@InputType('DateOverrideInput')
export class DateOverrideInput {
  @Field() date: string;
  @Field(() => [TimeWindowInput]) windows: TimeWindowInput[];
}
