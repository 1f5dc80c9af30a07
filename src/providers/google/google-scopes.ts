// Scopes we ask for, and which granted ones allow writing.
import type { CalendarAccessLevel } from '../calendar-provider';

export const CALENDAR_SCOPE = 'https://www.googleapis.com/auth/calendar';
export const GOOGLE_SCOPES = ['openid', 'email', CALENDAR_SCOPE] as const;

const WRITE_SCOPES = new Set([CALENDAR_SCOPE, 'https://www.googleapis.com/auth/calendar.events']);
const WRITE_ROLES = new Set(['owner', 'writer']);

export const hasWriteScope = (granted: readonly string[]) => granted.some((s) => WRITE_SCOPES.has(s));

/** A user may grant only calendar.readonly: then nothing is writable whatever the calendar's role. */
export function canWriteCalendar(accessRole: string | null | undefined, granted: readonly string[]): boolean {
  return WRITE_ROLES.has(accessRole ?? '') && hasWriteScope(granted);
}

/** freeBusyReader sees busy times only; reader reads events; writer and owner write, given a write scope. */
export function calendarAccess(accessRole: string | null | undefined, granted: readonly string[]): CalendarAccessLevel {
  if (canWriteCalendar(accessRole, granted)) return 'WRITE';
  return accessRole === 'freeBusyReader' ? 'FREE_BUSY' : 'READ';
}
