import { registerEnumType } from 'type-graphql';
import type { CalendarAccessLevel } from '../providers/calendar-provider';

/** What the connected account may do with a provider calendar (ProviderCalendar.access). */
export enum CalendarAccess {
  FREE_BUSY = 'FREE_BUSY',
  READ = 'READ',
  WRITE = 'WRITE',
}
registerEnumType(CalendarAccess, {
  name: 'CalendarAccess',
  description: 'FREE_BUSY: only busy times are visible (Google freeBusyReader); READ: events readable; WRITE: events writable (canWrite).',
});

// The driver's level and the GraphQL enum are the same strings; this fails to compile if they drift apart.
const _same: Record<CalendarAccessLevel, CalendarAccess> = { FREE_BUSY: CalendarAccess.FREE_BUSY, READ: CalendarAccess.READ, WRITE: CalendarAccess.WRITE };
void _same;
