import { registerEnumType } from 'type-graphql';

export enum Weekday {
  MONDAY = 'MONDAY',
  TUESDAY = 'TUESDAY',
  WEDNESDAY = 'WEDNESDAY',
  THURSDAY = 'THURSDAY',
  FRIDAY = 'FRIDAY',
  SATURDAY = 'SATURDAY',
  SUNDAY = 'SUNDAY',
}
registerEnumType(Weekday, { name: 'Weekday' });

/** In ISO order: index + 1 is luxon's `weekday` (Monday = 1). */
export const WEEKDAYS: readonly Weekday[] = [
  Weekday.MONDAY,
  Weekday.TUESDAY,
  Weekday.WEDNESDAY,
  Weekday.THURSDAY,
  Weekday.FRIDAY,
  Weekday.SATURDAY,
  Weekday.SUNDAY,
];

/** luxon's ISO weekday number (1 = Monday … 7 = Sunday) as a Weekday. */
export const weekdayOfIso = (isoWeekday: number): Weekday => WEEKDAYS[isoWeekday - 1];
