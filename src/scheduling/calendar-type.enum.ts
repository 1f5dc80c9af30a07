import { registerEnumType } from 'type-graphql';

export enum CalendarType {
  ROUND_ROBIN = 'ROUND_ROBIN',
  COLLECTIVE = 'COLLECTIVE',
  SERVICE = 'SERVICE',
  EVENT = 'EVENT',
  PERSONAL = 'PERSONAL',
}
registerEnumType(CalendarType, { name: 'CalendarType' });

/** Calendar types that have exactly one team member (the owner). */
export const SINGLE_MEMBER_TYPES: ReadonlySet<CalendarType> = new Set([CalendarType.PERSONAL, CalendarType.EVENT]);
