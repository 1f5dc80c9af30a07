// The emulator's stored shapes: accounts, calendars, events (series as master + rule), tokens.

export type AccountKind = 'work' | 'personal' | 'onPremises';
export type ShowAs = 'free' | 'tentative' | 'busy' | 'oof' | 'workingElsewhere' | 'unknown';
export type ShareRole = 'reader' | 'writer';

export const PERSONAL_TENANT_ID = '9188040d-6c67-4c5b-b112-36a304b66dad';

export interface Account {
  /** Graph /me id: the oid for work accounts, 16 hex chars for personal ones. */
  id: string;
  oid: string;
  tid: string;
  kind: AccountKind;
  /** The sign-in name (login_hint, preferred_username). */
  userPrincipalName: string;
  /** Null for personal accounts, like Graph. */
  mail: string | null;
  displayName: string;
  /** Resource scopes granted whatever is asked (a narrower consent); null = what is asked for. */
  consentScopes: string[] | null;
  defaultCalendarId: string;
  /** False: a work account without a Teams licence (Graph then writes online meetings without a link). */
  teams?: boolean;
}

export interface Calendar {
  id: string;
  ownerId: string;
  name: string;
  color: string;
  isDefault: boolean;
  /** Accounts the calendar is shared with, and how. */
  shares: Map<string, ShareRole>;
}

export interface RecurrencePattern {
  type: 'daily' | 'weekly' | 'absoluteMonthly' | 'relativeMonthly' | 'absoluteYearly' | 'relativeYearly';
  interval: number;
  daysOfWeek?: string[];
  dayOfMonth?: number;
  month?: number;
  firstDayOfWeek?: string;
  index?: 'first' | 'second' | 'third' | 'fourth' | 'last';
}

export interface RecurrenceRange {
  type: 'endDate' | 'noEnd' | 'numbered';
  startDate: string;
  endDate?: string;
  numberOfOccurrences?: number;
  recurrenceTimeZone?: string;
}

export interface Recurrence {
  pattern: RecurrencePattern;
  range: RecurrenceRange;
}

/** What changes on one occurrence of a series (an "exception"), or its cancellation. */
export interface OccurrenceOverride {
  cancelled: boolean;
  subject?: string;
  showAs?: ShowAs;
  startLocal?: string;
  endLocal?: string;
  startMs?: number;
  endMs?: number;
  changeKey: string;
  modifiedMs: number;
  seq: number;
}

export interface Attendee {
  type: 'required' | 'optional' | 'resource';
  status: { response: string; time: string };
  emailAddress: { name: string; address: string };
}

/** Graph's onlineMeetingInfo: what joining takes. */
export interface OnlineMeeting {
  joinUrl: string;
  conferenceId: string;
  tollNumber: string;
}

export interface StoredEvent {
  id: string;
  calendarId: string;
  subject: string;
  bodyContent: string;
  /** 'text' or 'html' as written; a Teams meeting turns it to html (its join block). Absent in older state files: text. */
  bodyContentType?: string;
  attendees?: Attendee[];
  /** Set once a Teams meeting was created for the event; Graph never removes it on request. */
  onlineMeeting?: OnlineMeeting | null;
  /** Wall-clock start/end ("2024-01-01T10:00:00") in the zones the event was written in. */
  startLocal: string;
  endLocal: string;
  timeZone: string;
  endTimeZone: string;
  startMs: number;
  endMs: number;
  isAllDay: boolean;
  isCancelled: boolean;
  showAs: ShowAs;
  sensitivity: string;
  transactionId: string | null;
  iCalUId: string;
  changeKey: string;
  createdMs: number;
  modifiedMs: number;
  /** Global change sequence of the last change (drives delta). */
  seq: number;
  recurrence: Recurrence | null;
  /** Keyed by occurrence id. */
  exceptions: Map<string, OccurrenceOverride>;
}

/** One instance of a series, or a single event, as calendarView sees it. */
export interface ViewItem {
  id: string;
  event: StoredEvent;
  /** Set for occurrences of a series. */
  occurrence: { originalStartMs: number; override: OccurrenceOverride | undefined } | null;
  startMs: number;
  endMs: number;
  startLocal: string;
  endLocal: string;
  seq: number;
}

export interface Tombstone {
  id: string;
  seq: number;
}

export interface AccessGrant {
  accountId: string;
  clientId: string;
  scopes: string[];
}

export interface AccessToken extends AccessGrant {
  expiresAtMs: number;
}

export interface RefreshToken extends AccessGrant {
  /** Rotation and revocation make a refresh token unusable. */
  revoked: 'rotated' | 'revoked' | null;
}

export interface AuthCode extends AccessGrant {
  redirectUri: string;
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
  nonce: string | null;
  expiresAtMs: number;
  used: boolean;
}

export interface Subscription {
  id: string;
  accountId: string;
  clientId: string;
  resource: string;
  /** Calendar the resource points at; null = every calendar of the mailbox (/me/events). */
  calendarId: string | null;
  changeTypes: string[];
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  clientState: string | null;
  expiresAtMs: number;
  tenantId: string;
}
