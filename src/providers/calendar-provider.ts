// The one interface every calendar provider driver implements.
// Drivers are stateless: every call gets what it needs (tokens, ids); persistence is the callers' job.
// Drivers own retries (bounded, honouring Retry-After) and translate every provider failure
// into a typed error from provider.errors.ts.

import type { ChannelSecretLookup } from './shared/push-request';

export type ProviderKind = 'OUTLOOK' | 'GOOGLE';

export type EventAvailability = 'FREE' | 'TENTATIVE' | 'BUSY' | 'OUT_OF_OFFICE' | 'WORKING_ELSEWHERE' | 'UNKNOWN';

/** What a driver hands back after a code exchange or a refresh; persisted encrypted by the caller. */
export interface TokenSet {
  accessToken: string;
  /** May be null when the provider did not return one (the previous one stays valid then). */
  refreshToken: string | null;
  expiresAt: Date;
  /** Scopes the user actually granted (decides canWrite). */
  grantedScopes: string[];
  /** Driver-private state to persist with the tokens (e.g. msal-node's serialized token cache). */
  driverState?: string | null;
}

/** The provider account, identified by an immutable id, never by email. */
export interface ProviderAccount {
  /** Outlook: `${tenantId}.${objectId}`; Google: the OpenID `sub`. */
  externalId: string;
  /** For display only: Outlook `mail` or `userPrincipalName`; Google `email`. */
  email: string;
  displayName: string | null;
}

/**
 * What the account may do with a calendar: FREE_BUSY = only busy times are visible (Google freeBusyReader;
 * its events cannot be listed), READ = events readable, WRITE = events writable (the calendar's role AND a
 * granted write scope).
 */
export type CalendarAccessLevel = 'FREE_BUSY' | 'READ' | 'WRITE';

export interface ProviderCalendarInfo {
  externalId: string;
  name: string;
  /** access === 'WRITE'. */
  canWrite: boolean;
  access: CalendarAccessLevel;
  isDefault: boolean;
  /** IANA zone of the calendar when the provider says (Google); used for all-day events. */
  timeZone: string | null;
}

/** A provider event normalised: UTC instants, one row per occurrence, stable ids. */
export interface NormalizedEvent {
  /** Stable per occurrence (Graph occurrence id / Google instance id). */
  externalId: string;
  title: string | null;
  start: Date;
  end: Date;
  isAllDay: boolean;
  availability: EventAvailability;
  /** Series the occurrence belongs to, if any. */
  seriesExternalId: string | null;
  /** Change marker (Graph changeKey / Google etag). */
  version: string | null;
  /** The idempotency key we wrote it with (Graph transactionId / Google client id), when we did. */
  clientKey: string | null;
}

export interface ChangePage {
  upserts: NormalizedEvent[];
  /**
   * Occurrence ids deleted or cancelled at the provider, under the ids upserts use (a shortened or
   * deleted series lists each occurrence it lost). May also name a deleted series' master, which no
   * row has. A page never names one id both here and in upserts: the provider's last word counts.
   */
  removedIds: string[];
  /**
   * Set on the last page only: the cursor to pass next time (Graph deltaLink / Google nextSyncToken).
   * Null on the last page of a full read means the provider gives no incremental cursor for this calendar
   * (a FREE_BUSY calendar): the next sync is a full read again, and every sync of it is applied as a full
   * sync is, by mark and sweep (rows of the calendar not in the read are removed).
   */
  nextCursor: string | null;
}

export interface ReadChangesOptions {
  /** null = full sync of the window. */
  cursor: string | null;
  /** The sync window; used for full syncs (the cursor carries it afterwards). */
  windowStart: Date;
  windowEnd: Date;
  /** Items per page requested from the provider. */
  pageSize?: number;
  /** IANA zone of the calendar (all-day events without their own zone). */
  calendarTimeZone?: string | null;
  /**
   * Called when the provider answers 401 in the middle of paging: returns refreshed tokens, and the page is
   * asked again with them (once), so a long read continues instead of starting over.
   */
  onAccessTokenExpired?: () => Promise<TokenSet>;
  /**
   * The calendar's access as last listed (default READ). FREE_BUSY calendars are read as busy blocks
   * (Google freeBusy: no titles, ids derived from the block's times), always in full: a cursor passed for
   * one is refused with CursorExpiredError, which callers already answer with a full sync.
   */
  access?: CalendarAccessLevel;
}

/**
 * The video meeting to create with an event: TEAMS needs an Outlook calendar, GOOGLE_MEET a Google one (the
 * caller resolves the calendar's AUTO to the linked calendar's own). Asked of the other provider, or of an
 * account that cannot host one, the event is written without it and WrittenEvent.meetingError says why.
 */
export type EventMeeting = 'NONE' | 'TEAMS' | 'GOOGLE_MEET';

export interface EventWrite {
  title: string;
  /**
   * The event's body, plain text. Left out (undefined), a create writes none and an update leaves the body as
   * it is. Outlook writes it on create only for a Teams meeting: Graph keeps the join block in the body, and
   * a body sent on an update would drop or replace the meeting.
   */
  description?: string | null;
  start: Date;
  end: Date;
  /** IANA zone the event is shown in (the location's zone). */
  timeZone: string;
  /** Invited to the event; the provider emails them. Left out, a create invites nobody and an update leaves them. */
  attendeeEmails?: readonly string[];
  /**
   * Default NONE. A meeting is created once: an update asking for the same keeps its join link, and NONE on an
   * update leaves an existing meeting alone (neither provider reliably removes one).
   */
  meeting?: EventMeeting;
}

export interface WrittenEvent {
  externalId: string;
  version: string | null;
  /** The join link of the event's online meeting as the provider returned it; null when it has none. */
  meetingUrl: string | null;
  /** Set when a meeting was asked for and none came: why, in words a user can act on (the event itself was written). */
  meetingError: string | null;
}

export interface PushChannel {
  /** Graph subscription id / Google channel id. */
  channelId: string;
  /** Google resourceId (needed to stop a channel); null for Graph. */
  resourceId: string | null;
  expiresAt: Date;
}

export interface StartPushOptions {
  calendarExternalId: string;
  notificationUrl: string;
  /** Graph lifecycle notifications (ignored by Google). */
  lifecycleNotificationUrl?: string;
  /** Secret echoed back in every notification (Graph clientState / Google channel token). */
  secret: string;
  expiresAt: Date;
  /** Google requires the caller to choose the channel id. */
  channelId?: string;
}

/** A received push request, as the HTTP layer saw it. */
export interface PushRequest {
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, string | undefined>;
  body: unknown;
}

export type PushNoticeKind = 'changed' | 'sync' | 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';

export interface PushNotice {
  channelId: string;
  kind: PushNoticeKind;
}

export interface AuthorizationRequest {
  redirectUri: string;
  state: string;
  /** PKCE S256 challenge. */
  codeChallenge: string;
  /** The account to sign in with: the provider may skip its account page (the emulators approve at once, as tests rely on). */
  loginHint?: string;
  /** The account to offer first on the provider's account page, which is still shown (sandbox mode: the CRM user's email). */
  accountHint?: string;
}

export interface CalendarProvider {
  readonly kind: ProviderKind;
  /** Scopes requested at authorization. */
  readonly scopes: readonly string[];

  authorizationUrl(req: AuthorizationRequest): Promise<string>;
  exchangeCode(p: { code: string; codeVerifier: string; redirectUri: string }): Promise<TokenSet>;
  /** Throws GrantRevokedError on invalid_grant. */
  refresh(tokens: TokenSet): Promise<TokenSet>;
  whoAmI(tokens: TokenSet): Promise<ProviderAccount>;
  /** Throws UnsupportedMailboxError for an on-premises Outlook mailbox. */
  listCalendars(tokens: TokenSet): Promise<ProviderCalendarInfo[]>;
  /** Pages of changes; throws CursorExpiredError when the cursor is no longer valid. */
  readChanges(tokens: TokenSet, calendarExternalId: string, opts: ReadChangesOptions): AsyncIterable<ChangePage>;
  /** Idempotent: the same key twice leaves exactly one event and returns it. */
  createEvent(tokens: TokenSet, calendarExternalId: string, event: EventWrite, idempotencyKey: string): Promise<WrittenEvent>;
  updateEvent(tokens: TokenSet, calendarExternalId: string, eventExternalId: string, event: EventWrite): Promise<WrittenEvent>;
  /** Deleting an event that is already gone succeeds. */
  deleteEvent(tokens: TokenSet, calendarExternalId: string, eventExternalId: string): Promise<void>;
  /**
   * One event read by its id, wherever it is now (inside the sync window or not); null when it is deleted or
   * cancelled. `calendarTimeZone` places all-day events without their own zone.
   */
  getEvent(tokens: TokenSet, calendarExternalId: string, eventExternalId: string, calendarTimeZone?: string | null): Promise<NormalizedEvent | null>;

  startPush(tokens: TokenSet, opts: StartPushOptions): Promise<PushChannel>;
  renewPush(tokens: TokenSet, channel: PushChannel, opts: StartPushOptions): Promise<PushChannel>;
  /** Stopping a channel that is already gone succeeds. */
  stopPush(tokens: TokenSet, channel: PushChannel): Promise<void>;
  /** Graph's subscription validation handshake: the text to answer with, or null if this is no handshake. */
  validationResponse(req: PushRequest): string | null;
  /**
   * The genuine notices in a push request. `secretHashes` looks up the stored secret hashes of all the
   * request's channels at once; notices of unknown channels or with a wrong secret are dropped.
   * Throws PushRequestRefusedError for a request no provider sends (malformed, too many notifications).
   */
  verifyPush(req: PushRequest, secretHashes: ChannelSecretLookup): Promise<PushNotice[]>;
}
