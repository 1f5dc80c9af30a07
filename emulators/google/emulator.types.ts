// Shapes of the emulator's state; the wire format follows Calendar v3 where one exists.

export type AccessRole = 'owner' | 'writer' | 'reader' | 'freeBusyReader';

export interface EventDateTime {
  dateTime?: string;
  date?: string;
  timeZone?: string;
}

export type EventStatus = 'confirmed' | 'tentative' | 'cancelled';

/** What a caller (API, control API, tests) may give to create or patch an event. */
export interface EventInput {
  id?: string;
  status?: EventStatus;
  summary?: string;
  description?: string;
  start?: EventDateTime;
  end?: EventDateTime;
  transparency?: 'opaque' | 'transparent';
  recurrence?: string[];
  recurringEventId?: string;
  originalStartTime?: EventDateTime;
  iCalUID?: string;
  extendedProperties?: { private?: Record<string, string>; shared?: Record<string, string> };
}

export interface StoredEvent {
  id: string;
  calendarId: string;
  status: EventStatus;
  summary?: string;
  description?: string;
  start: EventDateTime;
  end: EventDateTime;
  transparency?: 'opaque' | 'transparent';
  recurrence?: string[];
  recurringEventId?: string;
  originalStartTime?: EventDateTime;
  iCalUID: string;
  extendedProperties?: { private?: Record<string, string>; shared?: Record<string, string> };
  created: string;
  updated: string;
  /** Calendar change counter at the last change (sync tokens compare against it). */
  seq: number;
  /** Creation order; never changes, so page tokens stay valid while events change. */
  ord: number;
  /** UTC bounds cached at write time (all-day dates resolved in the calendar's zone). */
  startMs: number;
  endMs: number;
  /** A cancelled instance its series no longer makes (series-change.ts), not one a user cancelled. */
  vanished?: boolean;
}

export interface StoredCalendar {
  id: string;
  summary: string;
  timeZone: string;
  events: Map<string, StoredEvent>;
  seq: number;
  nextOrd: number;
  /** Bumped to invalidate every sync token issued before. */
  syncEpoch: number;
  /** Ids of stored exceptions (moved or cancelled occurrences), skipped when expanding their series. */
  exceptionIds: Set<string>;
}

export interface CalendarListEntry {
  calendarId: string;
  accessRole: AccessRole;
  primary: boolean;
}

export interface StoredAccount {
  sub: string;
  email: string;
  name: string;
  /** 'readonly': the consent screen grants calendar.readonly instead of calendar, like a user unticking write access. */
  calendarGrant: 'readwrite' | 'readonly';
  calendars: Map<string, CalendarListEntry>;
}

export interface CalendarSeed {
  id?: string;
  summary?: string;
  timeZone?: string;
  accessRole?: AccessRole;
}

export interface AccountSeed {
  email: string;
  name?: string;
  sub?: string;
  calendarGrant?: 'readwrite' | 'readonly';
  /** Zone of the primary calendar (default UTC). */
  timeZone?: string;
  /** Secondary calendars, created and listed for this account. */
  calendars?: CalendarSeed[];
}
