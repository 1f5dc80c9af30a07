// Scopes we ask for, and which granted ones allow writing.

export const CALENDAR_SCOPE = 'https://www.googleapis.com/auth/calendar';
export const GOOGLE_SCOPES = ['openid', 'email', CALENDAR_SCOPE] as const;

const WRITE_SCOPES = new Set([CALENDAR_SCOPE, 'https://www.googleapis.com/auth/calendar.events']);
const WRITE_ROLES = new Set(['owner', 'writer']);

export const hasWriteScope = (granted: readonly string[]) => granted.some((s) => WRITE_SCOPES.has(s));

/** A user may grant only calendar.readonly: then nothing is writable whatever the calendar's role. */
export function canWriteCalendar(accessRole: string | null | undefined, granted: readonly string[]): boolean {
  return WRITE_ROLES.has(accessRole ?? '') && hasWriteScope(granted);
}
