// CalendarProvider for Outlook: msal-node (confidential client, PKCE, rotating refresh tokens kept
// in msal's serialized cache) and the Graph client, both unmodified, over our own transport
// (extra CA; endpoints configured as plain http reached behind an https face, see OutlookUrlMapper).
import type { Client } from '@microsoft/microsoft-graph-client';
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
import { asCodeRefusal, fromProvider, GrantRevokedError, ProviderNotFoundError, ProviderRequestRejectedError, PushSetupFailedError } from '../provider.errors';
import { allCalls } from '../shared/all-calls';
import { againOn401 } from '../shared/again-on-401';
import { ProviderAgents } from '../shared/provider-agents';
import { ChangePageBuilder } from '../shared/change-page.builder';
import type { ProviderRequestObserver } from '../shared/request-observer';
import { defaultRetryPolicy, withRetries, type RetryPolicy } from '../shared/with-retries';
import { createGraphClient } from './graph-client.factory';
import { createMsalApp, type MsalSettings } from './msal-app.factory';
import { MsalNetworkClient } from './msal-network.client';
import { toCalendarInfo, toProviderAccount, type GraphCalendar, type GraphUser } from './outlook-calendar.mapper';
import { classifyDeltaItem, toGraphEventBody, toNormalizedEvent, type GraphEvent } from './outlook-event.mapper';
import { isMsalCacheMiss, mapGraphError, mapMsalError } from './outlook-error.mapper';
import { graphValidationResponse, verifyGraphPush } from './outlook-push.verifier';
import { accountIdsInCache, toTokenSet } from './outlook-token.mapper';
import { OutlookUrlMapper } from './outlook-url.mapper';
import { toWrittenEvent } from './outlook-written-event.mapper';
import type { ChannelSecretLookup } from '../shared/push-request';

export const OUTLOOK_SCOPES = ['openid', 'offline_access', 'User.Read', 'Calendars.ReadWrite', 'Calendars.ReadWrite.Shared'] as const;
// msal adds the OpenID scopes itself; token requests name the Graph ones
const RESOURCE_SCOPES = ['User.Read', 'Calendars.ReadWrite', 'Calendars.ReadWrite.Shared'];
// Graph caps event subscriptions at 4230 minutes (some docs say 10080); stay under the lower cap
const MAX_SUBSCRIPTION_MS = 4200 * 60_000;

export interface OutlookDriverOptions {
  clientId: string;
  clientSecret: string;
  /** http or https; see OutlookUrlMapper for http. */
  authority: string;
  graphUrl: string;
  /** Extra CA to trust (the emulators' test CA). */
  caPem?: string | null;
  retryPolicy?: RetryPolicy;
  /** Items per delta page when the caller does not say. */
  defaultPageSize?: number;
  requestTimeoutMs?: number;
  /** Sees every HTTP exchange with Microsoft, Graph and identity platform (metrics). */
  onRequest?: ProviderRequestObserver;
}

interface DeltaPage {
  value?: GraphEvent[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

export class OutlookDriver implements CalendarProvider {
  readonly kind = 'OUTLOOK' as const;
  readonly scopes: readonly string[] = OUTLOOK_SCOPES;

  private readonly agents: ProviderAgents;
  private readonly urls: OutlookUrlMapper;
  private readonly msal: MsalSettings;
  private readonly retryPolicy: RetryPolicy;
  private readonly timeoutMs: number;
  /** The https form the Graph client sees. */
  private readonly graphUrl: string;

  static fromEndpoints(endpoints: ProviderEndpoints, extra: Partial<OutlookDriverOptions> = {}): OutlookDriver {
    return new OutlookDriver({ ...endpoints.microsoft, caPem: endpoints.caPem, ...extra });
  }

  constructor(private readonly options: OutlookDriverOptions) {
    this.agents = new ProviderAgents(options.caPem ?? null);
    this.urls = new OutlookUrlMapper([options.authority, options.graphUrl]);
    this.timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.retryPolicy = options.retryPolicy ?? defaultRetryPolicy;
    this.graphUrl = this.urls.visible(options.graphUrl).replace(/\/+$/, '');
    this.msal = {
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      authority: this.urls.visible(options.authority),
      network: new MsalNetworkClient(this.agents, this.urls, this.timeoutMs, options.onRequest),
    };
  }

  /** Releases pooled connections (tests, shutdown). */
  close(): void {
    this.agents.destroy();
  }

  // ---- OAuth ----

  async authorizationUrl(req: AuthorizationRequest): Promise<string> {
    const url = await createMsalApp(this.msal).getAuthCodeUrl({
      scopes: [...OUTLOOK_SCOPES],
      redirectUri: req.redirectUri,
      state: req.state,
      codeChallenge: req.codeChallenge,
      codeChallengeMethod: 'S256',
      // An offered account: prompt=login shows the sign-in page with it filled in (msal drops a hint next to
      // select_account, which Microsoft refuses)
      ...(req.loginHint ? { loginHint: req.loginHint } : req.accountHint ? { loginHint: req.accountHint, prompt: 'login' } : { prompt: 'select_account' }),
    });
    // The browser goes to the endpoint as configured (msal built it on the https face)
    return this.urls.wire(url);
  }

  async exchangeCode(p: { code: string; codeVerifier: string; redirectUri: string }): Promise<TokenSet> {
    try {
      return await this.identity(async () => {
        const app = createMsalApp(this.msal);
        const result = await app.acquireTokenByCode({ code: p.code, codeVerifier: p.codeVerifier, redirectUri: p.redirectUri, scopes: RESOURCE_SCOPES });
        return toTokenSet(result, app.getTokenCache().serialize());
      });
    } catch (err) {
      throw asCodeRefusal(err);
    }
  }

  async refresh(tokens: TokenSet): Promise<TokenSet> {
    return this.identity(async () => {
      const silent = await this.refreshFromCache(tokens);
      if (silent) return silent;
      // msal's cache has nothing for this authority (it moved, e.g. a sandbox emulator on a new port, or the
      // cache was lost): the refresh token we stored still counts as long as Microsoft honours it
      if (!tokens.refreshToken) throw new GrantRevokedError('No refresh token is available for this connection');
      const app = createMsalApp(this.msal);
      const result = await app.acquireTokenByRefreshToken({ refreshToken: tokens.refreshToken, scopes: RESOURCE_SCOPES, forceCache: true });
      if (!result) throw new GrantRevokedError('Microsoft returned no token for the stored refresh token');
      return toTokenSet(result, app.getTokenCache().serialize(), tokens.refreshToken);
    });
  }

  /** msal's silent flow on the connection's own cache (it redeems the rotated refresh token); null on a cache miss. */
  private async refreshFromCache(tokens: TokenSet): Promise<TokenSet | null> {
    if (!tokens.driverState) return null;
    const app = createMsalApp(this.msal, tokens.driverState);
    const [account] = await app.getTokenCache().getAllAccounts();
    if (!account) return null;
    try {
      const result = await app.acquireTokenSilent({ account, scopes: RESOURCE_SCOPES, forceRefresh: true });
      return toTokenSet(result, app.getTokenCache().serialize(), tokens.refreshToken);
    } catch (err) {
      if (isMsalCacheMiss(err)) return null;
      throw err;
    }
  }

  // ---- account and calendars ----

  async whoAmI(tokens: TokenSet): Promise<ProviderAccount> {
    // The default-calendar probe makes an on-premises mailbox fail here already (UnsupportedMailboxError)
    const [user] = await allCalls([
      this.call<GraphUser>(tokens, (c) => c.api('/me').select('id,displayName,mail,userPrincipalName').get()),
      this.call(tokens, (c) => c.api('/me/calendar').select('id').get()),
    ]);
    const ids = accountIdsInCache(tokens.driverState);
    if (!ids) throw new Error('Outlook TokenSet has no driverState: the account id (tenant + object id) comes from the sign-in');
    return toProviderAccount(user, ids);
  }

  async listCalendars(tokens: TokenSet): Promise<ProviderCalendarInfo[]> {
    const [user, calendars] = await allCalls([
      this.call<GraphUser>(tokens, (c) => c.api('/me').select('id,mail,userPrincipalName').get()),
      this.collect<GraphCalendar>(tokens, '/me/calendars?$top=100'),
    ]);
    return calendars.map((cal) => toCalendarInfo(cal, user, tokens.grantedScopes));
  }

  // ---- events ----

  async *readChanges(tokens: TokenSet, calendarExternalId: string, opts: ReadChangesOptions): AsyncIterable<ChangePage> {
    const prefer = `odata.maxpagesize=${opts.pageSize ?? this.options.defaultPageSize ?? 100}, outlook.timezone="UTC"`;
    let url: string | undefined =
      opts.cursor ??
      `${this.graphUrl}/me/calendars/${encodeURIComponent(calendarExternalId)}/calendarView/delta?startDateTime=${opts.windowStart.toISOString()}&endDateTime=${opts.windowEnd.toISOString()}`;
    const zone = opts.calendarTimeZone ?? null;
    let current = tokens;
    while (url) {
      const pageUrl: string = url;
      const fetchPage = () => this.call<DeltaPage>(current, (c) => c.api(pageUrl).header('Prefer', prefer).get());
      const page = await againOn401(opts, fetchPage, (fresh) => (current = fresh));
      const changes = new ChangePageBuilder();
      for (const item of page.value ?? []) {
        const d = classifyDeltaItem(item, zone);
        if (d.kind === 'upsert') changes.upsert(d.event);
        else if (d.kind === 'removed') changes.remove(d.id);
      }
      url = page['@odata.nextLink'];
      if (!url && !page['@odata.deltaLink']) throw new Error('Graph delta page has neither nextLink nor deltaLink');
      yield changes.build(url ? null : page['@odata.deltaLink']!);
    }
  }

  async createEvent(tokens: TokenSet, calendarExternalId: string, event: EventWrite, idempotencyKey: string): Promise<WrittenEvent> {
    // A retried POST with the same transactionId returns the event already created, its meeting included
    const created = await this.call<GraphEvent>(tokens, (c) => c.api(`/me/calendars/${encodeURIComponent(calendarExternalId)}/events`).post(toGraphEventBody(event, idempotencyKey)));
    return toWrittenEvent(created, event, tenantOf(tokens));
  }

  async updateEvent(tokens: TokenSet, calendarExternalId: string, eventExternalId: string, event: EventWrite): Promise<WrittenEvent> {
    const updated = await this.call<GraphEvent>(tokens, (c) => c.api(this.eventPath(calendarExternalId, eventExternalId)).patch(toGraphEventBody(event)));
    return toWrittenEvent(updated, event, tenantOf(tokens));
  }

  async deleteEvent(tokens: TokenSet, calendarExternalId: string, eventExternalId: string): Promise<void> {
    await this.call(tokens, (c) => c.api(this.eventPath(calendarExternalId, eventExternalId)).delete()).catch(ignoreNotFound);
  }

  async getEvent(tokens: TokenSet, calendarExternalId: string, eventExternalId: string, calendarTimeZone: string | null = null): Promise<NormalizedEvent | null> {
    try {
      const event = await this.call<GraphEvent>(tokens, (c) => c.api(this.eventPath(calendarExternalId, eventExternalId)).header('Prefer', 'outlook.timezone="UTC"').get());
      return event.isCancelled === true ? null : toNormalizedEvent(event, calendarTimeZone);
    } catch (err) {
      if (err instanceof ProviderNotFoundError) return null;
      throw err;
    }
  }

  // ---- push ----

  async startPush(tokens: TokenSet, opts: StartPushOptions): Promise<PushChannel> {
    const body = {
      changeType: 'created,updated,deleted',
      notificationUrl: opts.notificationUrl,
      ...(opts.lifecycleNotificationUrl ? { lifecycleNotificationUrl: opts.lifecycleNotificationUrl } : {}),
      resource: `/me/calendars/${opts.calendarExternalId}/events`,
      expirationDateTime: this.subscriptionExpiry(opts.expiresAt),
      clientState: opts.secret,
    };
    try {
      const created = await this.call<{ id: string; expirationDateTime: string }>(tokens, (c) => c.api('/subscriptions').post(body));
      return { channelId: created.id, resourceId: null, expiresAt: new Date(created.expirationDateTime) };
    } catch (err) {
      // Graph answers 400 when its validation handshake with notificationUrl failed
      if (err instanceof ProviderRequestRejectedError && err.status === 400) throw new PushSetupFailedError(err.message).from('OUTLOOK');
      throw err;
    }
  }

  async renewPush(tokens: TokenSet, channel: PushChannel, opts: StartPushOptions): Promise<PushChannel> {
    try {
      const renewed = await this.call<{ id: string; expirationDateTime: string }>(tokens, (c) =>
        c.api(`/subscriptions/${channel.channelId}`).patch({ expirationDateTime: this.subscriptionExpiry(opts.expiresAt) }),
      );
      return { channelId: renewed.id, resourceId: null, expiresAt: new Date(renewed.expirationDateTime) };
    } catch (err) {
      // Graph removed it (expired or deleted): a new subscription replaces it
      if (err instanceof ProviderNotFoundError) return this.startPush(tokens, opts);
      throw err;
    }
  }

  async stopPush(tokens: TokenSet, channel: PushChannel): Promise<void> {
    await this.call(tokens, (c) => c.api(`/subscriptions/${channel.channelId}`).delete()).catch(ignoreNotFound);
  }

  validationResponse(req: PushRequest): string | null {
    return graphValidationResponse(req);
  }

  verifyPush(req: PushRequest, secretHashes: ChannelSecretLookup): Promise<PushNotice[]> {
    return verifyGraphPush(req, secretHashes);
  }

  // ---- plumbing ----

  private eventPath(calendarId: string, eventId: string): string {
    return `/me/calendars/${encodeURIComponent(calendarId)}/events/${encodeURIComponent(eventId)}`;
  }

  private subscriptionExpiry(wanted: Date): string {
    return new Date(Math.min(wanted.getTime(), Date.now() + MAX_SUBSCRIPTION_MS)).toISOString();
  }

  /** One Graph call with the driver's retries; failures become typed provider errors. */
  private call<T = unknown>(tokens: TokenSet, run: (client: Client) => Promise<T>): Promise<T> {
    const client = createGraphClient({ graphUrl: this.graphUrl, agents: this.agents, urls: this.urls, timeoutMs: this.timeoutMs, onRequest: this.options.onRequest }, tokens.accessToken);
    return withRetries(async () => {
      try {
        return await run(client);
      } catch (err) {
        throw fromProvider(mapGraphError(err), 'OUTLOOK');
      }
    }, this.retryPolicy);
  }

  /** Every item of a paged Graph collection. */
  private async collect<T>(tokens: TokenSet, path: string): Promise<T[]> {
    const items: T[] = [];
    for (let next: string | undefined = path; next; ) {
      const url: string = next;
      const page = await this.call<{ value: T[]; '@odata.nextLink'?: string }>(tokens, (c) => c.api(url).get());
      items.push(...page.value);
      next = page['@odata.nextLink'];
    }
    return items;
  }

  private identity<T>(run: () => Promise<T>): Promise<T> {
    return withRetries(async () => {
      try {
        return await run();
      } catch (err) {
        throw fromProvider(mapMsalError(err), 'OUTLOOK');
      }
    }, this.retryPolicy);
  }
}

const tenantOf = (tokens: TokenSet): string | null => accountIdsInCache(tokens.driverState)?.tenantId ?? null;

function ignoreNotFound(err: unknown): void {
  if (!(err instanceof ProviderNotFoundError)) throw err;
}
