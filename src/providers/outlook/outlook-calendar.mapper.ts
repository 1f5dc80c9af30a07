// Graph /me and /me/calendars → the driver's account and calendar shapes.
import type { ProviderAccount, ProviderCalendarInfo } from '../calendar-provider';

export interface GraphUser {
  id: string;
  displayName?: string | null;
  mail?: string | null;
  userPrincipalName: string;
}

export interface GraphCalendar {
  id: string;
  name: string;
  canEdit?: boolean;
  isDefaultCalendar?: boolean;
  owner?: { name?: string | null; address?: string | null } | null;
}

const hasScope = (granted: readonly string[], scope: string) => granted.some((s) => s.replace(/^https:\/\/graph\.microsoft\.com\//i, '').toLowerCase() === scope.toLowerCase());

/** Personal accounts have no `mail`: the sign-in name stands in (display only). */
export function toProviderAccount(user: GraphUser, ids: { tenantId: string; objectId: string }): ProviderAccount {
  return { externalId: `${ids.tenantId}.${ids.objectId}`, email: user.mail ?? user.userPrincipalName, displayName: user.displayName ?? null };
}

/** A calendar is shared with the user when someone else owns it. */
export function isSharedCalendar(calendar: GraphCalendar, user: GraphUser): boolean {
  const owner = calendar.owner?.address?.toLowerCase();
  if (!owner) return false;
  return owner !== user.mail?.toLowerCase() && owner !== user.userPrincipalName.toLowerCase();
}

/**
 * canWrite = the calendar's own access AND a granted write scope (.Shared for other people's calendars).
 * access is WRITE or READ: /me/calendars says nothing about a free/busy-only share (canEdit false, like a
 * read share), so such a calendar counts as READ.
 */
export function toCalendarInfo(calendar: GraphCalendar, user: GraphUser, grantedScopes: readonly string[]): ProviderCalendarInfo {
  const writeScope = isSharedCalendar(calendar, user)
    ? hasScope(grantedScopes, 'Calendars.ReadWrite.Shared')
    : hasScope(grantedScopes, 'Calendars.ReadWrite') || hasScope(grantedScopes, 'Calendars.ReadWrite.Shared');
  const canWrite = calendar.canEdit === true && writeScope;
  return {
    externalId: calendar.id,
    name: calendar.name,
    canWrite,
    access: canWrite ? 'WRITE' : 'READ',
    isDefault: calendar.isDefaultCalendar === true,
    timeZone: null,
  };
}
