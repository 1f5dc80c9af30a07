import { randomUUID } from 'node:crypto';
import { CodeChallengeMethod, type Credentials } from 'google-auth-library';
import type {
  AuthorizationRequest,
  CalendarProvider,
  ChangePage,
  EventWrite,
  ProviderAccount,
  NormalizedEvent,
  ProviderCalendarInfo,
  PushChannel,
  PushNotice,
  PushRequest,
  ReadChangesOptions,
  StartPushOptions,
  TokenSet,
  WrittenEvent,
} from '../calendar-provider';
import type { ProviderEndpoints } from '../provider-endpoints';
import { asCodeRefusal, CursorExpiredError, fromProvider, GrantRevokedError, ProviderNotFoundError, PushSetupFailedError } from '../provider.errors';
import { againOn401 } from '../shared/again-on-401';
import { ChangePageBuilder } from '../shared/change-page.builder';
import { defaultRetryPolicy, withRetries, type RetryPolicy } from '../shared/with-retries';
import { ProviderAgents } from '../shared/provider-agents';
import { createProviderFetch } from '../shared/provider-fetch';
import type { ProviderRequestObserver } from '../shared/request-observer';
import { createCalendarClient, createOAuthClient, REQUEST_TIMEOUT_MS, type GoogleClientSettings } from './google-clients.factory';
import { withTrailingSlash } from './google-endpoints';
import { asProviderError, refreshRefusal } from './google-error.mapper';
import { eventIdForKey } from './google-event-id';
import { meetRequestIdFor, toWrittenEvent } from './google-meeting.mapper';
import { busyBlockEvent, freeBusyCalendarError, freeBusySpans, mergeBusy, type BusyBlock } from './google-free-busy';
import { CLIENT_KEY_PROPERTY, mapGoogleEvent, toGoogleEventBody, type GoogleEvent } from './google-event.mapper';
import { verifyGooglePush } from './google-push.verifier';
import { ProviderRequestRejectedError } from '../provider.errors';
import { calendarAccess, GOOGLE_SCOPES } from './google-scopes';
import { idTokenClaimsOf, toTokenSet } from './google-token.mapper';
import type { ChannelSecretLookup } from '../shared/push-request';

// Google Calendar through google-auth-library and @googleapis/calendar. Stateless: every
// call builds its clients from the tokens it is given.

const DEFAULT_PAGE_SIZE = 250;
// Attendees get Google's invitation, update and cancellation emails (Google sends none by default)
const SEND_UPDATES = 'all';
// Google reads conferenceData only when told the client understands it (version 1)
const conferenceParams = (event: EventWrite) => (event.meeting === 'GOOGLE_MEET' ? { conferenceDataVersion: 1 } : {});
const MAX_PAGE_SIZE = 2500;

export class GoogleCalendarDriver implements CalendarProvider {
  readonly kind = 'GOOGLE' as const;
  readonly scopes = GOOGLE_SCOPES;
  private readonly endpoints: GoogleClientSettings;
  /** Only with an extra CA: otherwise the libraries use Node's fetch and its global pool. */
  private readonly agents: ProviderAgents | null;

  constructor(
    /** `caPem`: an extra CA to trust (PROVIDER_CA_FILE, e.g. a fake's test CA) besides the system roots. */
    endpoints: ProviderEndpoints['google'] & { caPem?: string | null },
    private readonly retryPolicy: RetryPolicy = defaultRetryPolicy,
    /** Sees every HTTP exchange with Google (metrics). */
    onRequest?: ProviderRequestObserver,
  ) {
    const { caPem, ...urls } = endpoints;
    this.agents = caPem ? new ProviderAgents(caPem) : null;
    const transport = this.agents ? createProviderFetch(this.agents, REQUEST_TIMEOUT_MS) : undefined;
    this.endpoints = { ...urls, apiUrl: withTrailingSlash(urls.apiUrl), onRequest, fetch: transport };
  }

  /** Releases pooled connections (tests, shutdown). */
  close(): void {
    this.agents?.destroy();
  }

  async authorizationUrl(req: AuthorizationRequest): Promise<string> {
    return createOAuthClient(this.endpoints, req.redirectUri).generateAuthUrl({
      access_type: 'offline',
      // consent every time, so Google hands out a refresh token even on a reconnect; the account chooser
      // too when an account is only offered
      prompt: req.accountHint && !req.loginHint ? 'select_account consent' : 'consent',
      scope: [...this.scopes],
      state: req.state,
      code_challenge: req.codeChallenge,
      code_challenge_method: CodeChallengeMethod.S256,
      ...(req.loginHint || req.accountHint ? { login_hint: req.loginHint ?? req.accountHint } : {}),
    });
  }

  async exchangeCode(p: { code: string; codeVerifier: string; redirectUri: string }): Promise<TokenSet> {
    const client = createOAuthClient(this.endpoints, p.redirectUri);
    try {
      const { tokens } = await this.call(() => client.getToken({ code: p.code, codeVerifier: p.codeVerifier, redirect_uri: p.redirectUri }));
      return toTokenSet(tokens, null);
    } catch (err) {
      throw asCodeRefusal(err);
    }
  }

  async refresh(tokens: TokenSet): Promise<TokenSet> {
    if (!tokens.refreshToken) throw new GrantRevokedError('No refresh token was granted; the user must reconnect').from('GOOGLE');
    const refreshToken = tokens.refreshToken;
    const raw = await this.call(async () => {
      const client = createOAuthClient(this.endpoints);
      // The 'tokens' event carries the endpoint's answer (a rotated refresh token included);
      // copied, because the library then overwrites refresh_token in that very object.
      let answer: Credentials | null = null;
      client.on('tokens', (t) => (answer = { ...t }));
      client.setCredentials({ refresh_token: refreshToken });
      await client.getAccessToken();
      return answer ?? client.credentials;
    }).catch((err: unknown) => {
      throw refreshRefusal(asProviderError(err));
    });
    return toTokenSet(raw, tokens);
  }

  async whoAmI(tokens: TokenSet): Promise<ProviderAccount> {
    const claims = idTokenClaimsOf(tokens);
    if (claims) return { externalId: claims.sub, email: claims.email, displayName: claims.name };
    const { auth } = createCalendarClient(this.endpoints, tokens.accessToken);
    const res = await this.call(() => auth.request<{ sub: string; email?: string; name?: string }>({ url: `${this.endpoints.apiUrl}oauth2/v3/userinfo` }));
    return { externalId: res.data.sub, email: res.data.email ?? '', displayName: res.data.name ?? null };
  }

  async listCalendars(tokens: TokenSet): Promise<ProviderCalendarInfo[]> {
    const { calendar } = createCalendarClient(this.endpoints, tokens.accessToken);
    const out: ProviderCalendarInfo[] = [];
    let pageToken: string | undefined;
    do {
      // Free/busy-only calendars too: they can still block availability (as busy blocks)
      const res = await this.call(() => calendar.calendarList.list({ maxResults: 250, minAccessRole: 'freeBusyReader', pageToken }));
      for (const c of res.data.items ?? []) {
        if (!c.id) continue;
        const access = calendarAccess(c.accessRole, tokens.grantedScopes);
        out.push({
          externalId: c.id,
          name: c.summaryOverride ?? c.summary ?? c.id,
          canWrite: access === 'WRITE',
          access,
          isDefault: c.primary === true,
          timeZone: c.timeZone ?? null,
        });
      }
      pageToken = res.data.nextPageToken ?? undefined;
    } while (pageToken);
    return out;
  }

  async *readChanges(tokens: TokenSet, calendarExternalId: string, opts: ReadChangesOptions): AsyncIterable<ChangePage> {
    if (opts.access === 'FREE_BUSY') {
      yield* this.readBusyBlocks(tokens, calendarExternalId, opts);
      return;
    }
    let { calendar } = createCalendarClient(this.endpoints, tokens.accessToken);
    const maxResults = Math.min(Math.max(1, opts.pageSize ?? DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE);
    const scope = opts.cursor
      ? { syncToken: opts.cursor }
      : { timeMin: opts.windowStart.toISOString(), timeMax: opts.windowEnd.toISOString() };
    let pageToken: string | undefined;
    do {
      const fetchPage = () =>
        this.call(
          () => calendar.events.list({ calendarId: calendarExternalId, singleEvents: true, maxResults, pageToken, ...scope }),
          opts.cursor !== null,
        );
      const res = await againOn401(opts, fetchPage, (fresh) => ({ calendar } = createCalendarClient(this.endpoints, fresh.accessToken)));
      const zone = opts.calendarTimeZone ?? res.data.timeZone ?? null;
      const changes = new ChangePageBuilder();
      for (const item of res.data.items ?? []) {
        const mapped = mapGoogleEvent(item as GoogleEvent, zone);
        if (mapped.kind === 'upsert') changes.upsert(mapped.event);
        else if (mapped.kind === 'removed') changes.remove(mapped.id);
      }
      pageToken = res.data.nextPageToken ?? undefined;
      yield changes.build(pageToken ? null : (res.data.nextSyncToken ?? null));
    } while (pageToken);
  }

  /**
   * A free/busy-only calendar: events.list is refused, freebusy.query gives its busy time over the window (in
   * spans Google accepts), merged into blocks without titles. Always the whole window, and no cursor: the
   * caller applies it as a full sync (mark and sweep).
   */
  private async *readBusyBlocks(tokens: TokenSet, calendarExternalId: string, opts: ReadChangesOptions): AsyncIterable<ChangePage> {
    // A cursor kept from when the calendar was readable means nothing here: start over, as for an expired one
    if (opts.cursor) throw new CursorExpiredError('A free/busy-only calendar has no incremental cursor; read it in full').from('GOOGLE');
    let { calendar } = createCalendarClient(this.endpoints, tokens.accessToken);
    const blocks: BusyBlock[] = [];
    for (const span of freeBusySpans(opts.windowStart, opts.windowEnd)) {
      const fetchSpan = () =>
        this.call(async () => {
          const res = await calendar.freebusy.query({
            requestBody: { timeMin: span.timeMin.toISOString(), timeMax: span.timeMax.toISOString(), items: [{ id: calendarExternalId }] },
          });
          const entry = res.data.calendars?.[calendarExternalId];
          if (entry?.errors?.length) throw freeBusyCalendarError(calendarExternalId, entry.errors);
          return entry?.busy ?? [];
        });
      const busy = await againOn401(opts, fetchSpan, (fresh) => ({ calendar } = createCalendarClient(this.endpoints, fresh.accessToken)));
      for (const b of busy) {
        const start = Date.parse(b.start ?? '');
        const end = Date.parse(b.end ?? '');
        if (Number.isFinite(start) && Number.isFinite(end)) blocks.push({ start, end });
      }
    }
    const events = mergeBusy(blocks).map(busyBlockEvent);
    const size = Math.min(Math.max(1, opts.pageSize ?? DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE);
    let at = 0;
    do {
      yield { upserts: events.slice(at, at + size), removedIds: [], nextCursor: null };
      at += size;
    } while (at < events.length);
  }

  async createEvent(tokens: TokenSet, calendarExternalId: string, event: EventWrite, idempotencyKey: string): Promise<WrittenEvent> {
    const { calendar } = createCalendarClient(this.endpoints, tokens.accessToken);
    const id = eventIdForKey(idempotencyKey);
    const requestBody = { ...toGoogleEventBody(event, meetRequestIdFor(id)), id, extendedProperties: { private: { [CLIENT_KEY_PROPERTY]: idempotencyKey } } };
    try {
      const res = await this.call(() => calendar.events.insert({ calendarId: calendarExternalId, requestBody, sendUpdates: SEND_UPDATES, ...conferenceParams(event) }));
      return toWrittenEvent(res.data, id, event);
    } catch (err) {
      // 409 duplicate: an earlier attempt (whose answer we lost) created it already, its conference included
      if (!(err instanceof ProviderRequestRejectedError && err.status === 409)) throw err;
      const res = await this.call(() => calendar.events.get({ calendarId: calendarExternalId, eventId: id }));
      return toWrittenEvent(res.data, id, event);
    }
  }

  async updateEvent(tokens: TokenSet, calendarExternalId: string, eventExternalId: string, event: EventWrite): Promise<WrittenEvent> {
    const { calendar } = createCalendarClient(this.endpoints, tokens.accessToken);
    const res = await this.call(() =>
      calendar.events.patch({
        calendarId: calendarExternalId,
        eventId: eventExternalId,
        requestBody: toGoogleEventBody(event, meetRequestIdFor(eventExternalId)),
        sendUpdates: SEND_UPDATES,
        ...conferenceParams(event),
      }),
    );
    return toWrittenEvent(res.data, eventExternalId, event);
  }

  async deleteEvent(tokens: TokenSet, calendarExternalId: string, eventExternalId: string): Promise<void> {
    const { calendar } = createCalendarClient(this.endpoints, tokens.accessToken);
    try {
      await this.call(() => calendar.events.delete({ calendarId: calendarExternalId, eventId: eventExternalId, sendUpdates: SEND_UPDATES }));
    } catch (err) {
      // 404, or 410 deleted: already gone, which is what we wanted
      if (!(err instanceof ProviderNotFoundError)) throw err;
    }
  }

  async getEvent(tokens: TokenSet, calendarExternalId: string, eventExternalId: string, calendarTimeZone: string | null = null): Promise<NormalizedEvent | null> {
    const { calendar } = createCalendarClient(this.endpoints, tokens.accessToken);
    try {
      const res = await this.call(() => calendar.events.get({ calendarId: calendarExternalId, eventId: eventExternalId }));
      // A deleted event reads as cancelled (its tombstone)
      const mapped = mapGoogleEvent(res.data as GoogleEvent, calendarTimeZone);
      return mapped.kind === 'upsert' ? mapped.event : null;
    } catch (err) {
      // 404, or 410 deleted
      if (err instanceof ProviderNotFoundError) return null;
      throw err;
    }
  }

  async startPush(tokens: TokenSet, opts: StartPushOptions): Promise<PushChannel> {
    const { calendar } = createCalendarClient(this.endpoints, tokens.accessToken);
    const channelId = opts.channelId ?? randomUUID();
    const res = await this.call(() =>
      calendar.events.watch({
        calendarId: opts.calendarExternalId,
        requestBody: { id: channelId, type: 'web_hook', address: opts.notificationUrl, token: opts.secret, expiration: String(opts.expiresAt.getTime()) },
      }),
    ).catch((err: unknown) => {
      // Google refuses an address it will not call (not HTTPS, no valid certificate): polling covers the calendar
      if (err instanceof ProviderRequestRejectedError && err.status === 400) throw new PushSetupFailedError(err.message).from('GOOGLE');
      throw err;
    });
    const expiration = Number(res.data.expiration);
    return { channelId: res.data.id ?? channelId, resourceId: res.data.resourceId ?? null, expiresAt: Number.isFinite(expiration) && expiration > 0 ? new Date(expiration) : opts.expiresAt };
  }

  /** Google channels cannot be extended: open a new one, then stop the old. */
  async renewPush(tokens: TokenSet, channel: PushChannel, opts: StartPushOptions): Promise<PushChannel> {
    const channelId = opts.channelId && opts.channelId !== channel.channelId ? opts.channelId : randomUUID();
    const next = await this.startPush(tokens, { ...opts, channelId });
    await this.stopPush(tokens, channel).catch(() => undefined);
    return next;
  }

  async stopPush(tokens: TokenSet, channel: PushChannel): Promise<void> {
    const { calendar } = createCalendarClient(this.endpoints, tokens.accessToken);
    try {
      await this.call(() => calendar.channels.stop({ requestBody: { id: channel.channelId, resourceId: channel.resourceId ?? undefined } }));
    } catch (err) {
      if (!(err instanceof ProviderNotFoundError)) throw err;
    }
  }

  validationResponse(_req: PushRequest): string | null {
    return null; // Google has no validation handshake
  }

  verifyPush(req: PushRequest, secretHashes: ChannelSecretLookup): Promise<PushNotice[]> {
    return verifyGooglePush(req, secretHashes);
  }

  private call<T>(attempt: () => Promise<T>, usedCursor = false): Promise<T> {
    return withRetries(async () => {
      try {
        return await attempt();
      } catch (err) {
        throw fromProvider(asProviderError(err, usedCursor), 'GOOGLE');
      }
    }, this.retryPolicy);
  }
}
