// Microsoft Graph v1.0: /me, calendars, events (transactionId idempotency), calendarView and
// its delta, instances, and subscriptions.
import { DeltaEngine } from './graph-delta';
import { fail, graphError, mailboxNotEnabled } from './graph-errors';
import { serializeEvent, serializeItem } from './graph-event.serializer';
import { header, json, jsonBody, type Reply, type RequestContext, type Router } from './http-kit';
import type { CursorExpiredVariant } from './faults';
import { allowedOnlineMeetingProviders, defaultOnlineMeetingProvider } from './online-meeting';
import type { AccessToken, Account, Calendar, StoredEvent, Subscription, ViewItem } from './microsoft-model';
import type { EventInput, MicrosoftState } from './microsoft-state';
import type { SubscriptionInput, SubscriptionService } from './subscription-service';

export interface GraphDeps {
  state: MicrosoftState;
  subscriptions: SubscriptionService;
  origin: () => string;
  maxPageSize: number;
  cursorExpiredVariant: CursorExpiredVariant;
  /** Consumes a refuseValidation fault for this request, if one matches. */
  refuseValidation: (ctx: RequestContext) => boolean;
}

interface Caller {
  account: Account;
  token: AccessToken;
}

const V = '/v1\\.0';
const SEG = '([^/]+)';
const DEFAULT_PAGE = 10;

export function cursorExpiredReply(variant: CursorExpiredVariant, freshUrl: string): Reply {
  if (variant === 'gone') return graphError(410, 'resyncRequired', 'The sync state is no longer valid; start a new synchronization.', { location: freshUrl });
  return graphError(400, variant, variant === 'syncStateNotFound' ? 'The sync state generation is not found.' : 'Resync required: replace the delta token.');
}

export function registerGraphRoutes(router: Router, deps: GraphDeps): void {
  const { state } = deps;
  const delta = new DeltaEngine(state);
  // Serialized single events, reused until they change: full syncs of big calendars stay cheap
  const jsonCache = new WeakMap<StoredEvent, { seq: number; zone: string; json: string }>();
  const itemJson = (item: ViewItem, zone: string): string => {
    if (item.occurrence) return JSON.stringify(serializeItem(item, zone));
    const hit = jsonCache.get(item.event);
    if (hit && hit.seq === item.event.seq && hit.zone === zone) return hit.json;
    const json = JSON.stringify(serializeItem(item, zone));
    jsonCache.set(item.event, { seq: item.event.seq, zone, json });
    return json;
  };
  const base = () => `${deps.origin()}/v1.0`;

  const authed = (handler: (ctx: RequestContext, caller: Caller) => Reply | Promise<Reply>, needsMailbox = true) => (ctx: RequestContext) => {
    const caller = authenticate(ctx);
    if (needsMailbox && caller.account.kind === 'onPremises') return mailboxNotEnabled();
    return handler(ctx, caller);
  };

  function authenticate(ctx: RequestContext): Caller {
    const auth = header(ctx, 'authorization');
    if (!auth?.startsWith('Bearer ')) return fail(401, 'InvalidAuthenticationToken', 'Access token is empty.');
    const token = state.accessTokens.get(auth.slice(7));
    if (!token) return fail(401, 'InvalidAuthenticationToken', 'IDX14100: JWT is not well formed.');
    if (token.expiresAtMs <= Date.now()) return fail(401, 'InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.');
    return { account: state.accounts.get(token.accountId)!, token };
  }

  const has = (caller: Caller, ...scopes: string[]) => caller.token.scopes.some((s) => scopes.some((w) => w.toLowerCase() === s.toLowerCase()));

  /** The calendar, if the caller may see it (and write it); shared calendars need the .Shared scopes. */
  function calendarFor(caller: Caller, id: string, write: boolean): Calendar {
    const calendar = id === 'default' ? state.calendar(caller.account.defaultCalendarId) : state.calendars.get(id);
    const role = calendar && (calendar.ownerId === caller.account.id ? 'owner' : calendar.shares.get(caller.account.id));
    if (!calendar || !role) return fail(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    const denied = () => fail(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
    if (role === 'owner') {
      if (write ? !has(caller, 'Calendars.ReadWrite', 'Calendars.ReadWrite.Shared') : !has(caller, 'Calendars.Read', 'Calendars.ReadWrite', 'Calendars.Read.Shared', 'Calendars.ReadWrite.Shared')) denied();
    } else {
      if (!has(caller, 'Calendars.Read.Shared', 'Calendars.ReadWrite.Shared')) denied();
      if (write && (role !== 'writer' || !has(caller, 'Calendars.ReadWrite.Shared'))) denied();
    }
    return calendar;
  }

  const calendarJson = (caller: Caller, c: Calendar) => {
    const owner = state.accounts.get(c.ownerId)!;
    const own = c.ownerId === caller.account.id;
    return {
      id: c.id,
      name: c.name,
      color: c.color,
      hexColor: '',
      isDefaultCalendar: own && c.isDefault,
      changeKey: 'fJKVL07sbkmIfHqjbDnRgQAAAAACJQ==',
      canShare: own,
      canViewPrivateItems: own,
      canEdit: own || c.shares.get(caller.account.id) === 'writer',
      isRemovable: !c.isDefault,
      isTallyingResponses: true,
      allowedOnlineMeetingProviders: allowedOnlineMeetingProviders(owner),
      defaultOnlineMeetingProvider: defaultOnlineMeetingProvider(owner),
      owner: { name: owner.displayName, address: owner.mail ?? owner.userPrincipalName },
    };
  };

  const preferences = (ctx: RequestContext) => {
    const prefer = header(ctx, 'prefer') ?? '';
    const size = /odata\.maxpagesize=(\d+)/i.exec(prefer);
    const zone = /outlook\.timezone="([^"]+)"/i.exec(prefer);
    return { pageSize: Math.min(deps.maxPageSize, size ? Math.max(1, Number(size[1])) : DEFAULT_PAGE), zone: zone ? zone[1] : null };
  };

  const withPreferenceApplied = (reply: Reply, prefs: { pageSize: number; zone: string | null }, sizeAsked: boolean): Reply => {
    const applied = [sizeAsked ? `odata.maxpagesize=${prefs.pageSize}` : null, prefs.zone ? `outlook.timezone="${prefs.zone}"` : null].filter(Boolean).join(', ');
    if (applied) reply.headers = { ...reply.headers, 'preference-applied': applied };
    return reply;
  };

  // ---- user ----
  router.on(
    'GET',
    new RegExp(`^${V}/me$`),
    authed((_ctx, { account }) =>
      json(200, {
        '@odata.context': `${base()}/$metadata#users/$entity`,
        businessPhones: [],
        displayName: account.displayName,
        givenName: account.displayName.split(' ')[0],
        surname: account.displayName.split(' ').slice(1).join(' ') || null,
        jobTitle: null,
        mail: account.mail,
        mobilePhone: null,
        officeLocation: null,
        preferredLanguage: 'en-US',
        userPrincipalName: account.userPrincipalName,
        id: account.id,
      }),
    false),
  );

  // ---- calendars ----
  router.on(
    'GET',
    new RegExp(`^${V}/me/calendars$`),
    authed((_ctx, caller) => {
      if (!has(caller, 'Calendars.Read', 'Calendars.ReadWrite', 'Calendars.Read.Shared', 'Calendars.ReadWrite.Shared')) fail(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
      const shared = has(caller, 'Calendars.Read.Shared', 'Calendars.ReadWrite.Shared');
      const value = state.calendarsOf(caller.account.id).filter((c) => shared || c.ownerId === caller.account.id);
      return json(200, { '@odata.context': `${base()}/$metadata#users('${caller.account.id}')/calendars`, value: value.map((c) => calendarJson(caller, c)) });
    }),
  );
  const oneCalendar = authed((ctx, caller) => json(200, calendarJson(caller, calendarFor(caller, ctx.params[0] ?? 'default', false))));
  router.on('GET', new RegExp(`^${V}/me/calendars/${SEG}$`), oneCalendar);
  router.on('GET', new RegExp(`^${V}/me/calendar$`), oneCalendar);

  // ---- delta and calendarView ----
  const deltaHandler = authed((ctx, caller) => {
    const calendar = calendarFor(caller, ctx.params[0] ?? 'default', false);
    const prefs = preferences(ctx);
    const path = `${base()}/me/calendars/${calendar.id}/calendarView/delta`;
    const outcome = delta.page(calendar.id, ctx.url.searchParams, prefs.pageSize);
    if (!outcome.ok) {
      if (outcome.reason === 'invalid') return graphError(400, 'ErrorInvalidParameter', outcome.message);
      return cursorExpiredReply(deps.cursorExpiredVariant, path);
    }
    const zone = prefs.zone ?? 'UTC';
    const value = outcome.entries.map((e) =>
      'removed' in e ? JSON.stringify({ '@odata.type': '#microsoft.graph.event', id: e.removed, '@removed': { reason: 'deleted' } }) : itemJson(e, zone),
    );
    const link = outcome.skiptoken ? { '@odata.nextLink': `${path}?$skiptoken=${outcome.skiptoken}` } : { '@odata.deltaLink': `${path}?$deltatoken=${outcome.deltatoken}` };
    const body = `{"@odata.context":${JSON.stringify(`${base()}/$metadata#Collection(event)`)},"value":[${value.join(',')}],${JSON.stringify(link).slice(1)}`;
    return withPreferenceApplied(json(200, body), prefs, /maxpagesize/i.test(header(ctx, 'prefer') ?? ''));
  });
  router.on('GET', new RegExp(`^${V}/me/calendars/${SEG}/calendarView/delta$`), deltaHandler);
  router.on('GET', new RegExp(`^${V}/me/(?:calendar/)?calendarView/delta$`), deltaHandler);

  const viewHandler = authed((ctx, caller) => {
    const calendar = calendarFor(caller, ctx.params[0] ?? 'default', false);
    const q = ctx.url.searchParams;
    const from = Date.parse(q.get('startDateTime') ?? '');
    const to = Date.parse(q.get('endDateTime') ?? '');
    if (Number.isNaN(from) || Number.isNaN(to)) return graphError(400, 'ErrorInvalidParameter', "This request requires a time window specified by the query string parameters 'startDateTime' and 'endDateTime'.");
    const prefs = preferences(ctx);
    const top = Number(q.get('$top') ?? prefs.pageSize);
    const skip = Number(q.get('$skip') ?? 0);
    const items = state.view(calendar.id, from, to).sort((a, b) => a.startMs - b.startMs || a.id.localeCompare(b.id));
    const page = items.slice(skip, skip + top);
    const body: Record<string, unknown> = { value: page.map((i) => serializeItem(i, prefs.zone ?? 'UTC', true)) };
    if (skip + top < items.length) {
      const next = new URL(`${base()}/me/calendars/${calendar.id}/calendarView`);
      next.searchParams.set('startDateTime', q.get('startDateTime')!);
      next.searchParams.set('endDateTime', q.get('endDateTime')!);
      next.searchParams.set('$top', String(top));
      next.searchParams.set('$skip', String(skip + top));
      body['@odata.nextLink'] = next.toString();
    }
    return json(200, body);
  });
  router.on('GET', new RegExp(`^${V}/me/calendars/${SEG}/calendarView$`), viewHandler);
  router.on('GET', new RegExp(`^${V}/me/(?:calendar/)?calendarView$`), viewHandler);

  // ---- events ----
  const listEvents = authed((ctx, caller) => {
    const calendar = calendarFor(caller, ctx.params[0] ?? 'default', false);
    const zone = preferences(ctx).zone ?? 'UTC';
    return json(200, { value: state.eventsIn(calendar.id).map((e) => serializeEvent(e, zone)) });
  });
  router.on('GET', new RegExp(`^${V}/me/calendars/${SEG}/events$`), listEvents);
  router.on('GET', new RegExp(`^${V}/me/(?:calendar/)?events$`), listEvents);

  const createEvent = authed((ctx, caller) => {
    const calendar = calendarFor(caller, ctx.params[0] ?? 'default', true);
    const { event } = state.createEvent(calendar.id, jsonBody<EventInput>(ctx));
    return json(201, { '@odata.context': `${base()}/$metadata#users('${caller.account.id}')/events/$entity`, ...serializeEvent(event, preferences(ctx).zone) });
  });
  router.on('POST', new RegExp(`^${V}/me/calendars/${SEG}/events$`), createEvent);
  router.on('POST', new RegExp(`^${V}/me/(?:calendar/)?events$`), createEvent);

  /** The event or occurrence, after checking the caller may see (or write) its calendar. */
  function eventFor(caller: Caller, id: string, calendarId: string | undefined, write: boolean) {
    const found = state.findEvent(id);
    if (!found) return fail(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    const owningCalendar = found.kind === 'event' ? found.event.calendarId : found.item.event.calendarId;
    if (calendarId && calendarId !== owningCalendar) fail(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    calendarFor(caller, owningCalendar, write);
    return found;
  }

  const eventRoutes = [new RegExp(`^${V}/me/events/${SEG}$`), new RegExp(`^${V}/me/calendars/${SEG}/events/${SEG}$`)];
  const ids = (ctx: RequestContext) => (ctx.params.length === 2 ? { calendarId: ctx.params[0], id: ctx.params[1] } : { calendarId: undefined, id: ctx.params[0] });
  const foundJson = (found: ReturnType<typeof state.findEvent>, zone: string | null) =>
    found!.kind === 'event' ? serializeEvent(found!.event, zone) : serializeItem(found!.item, zone, true);
  for (const route of eventRoutes) {
    router.on(
      'GET',
      route,
      authed((ctx, caller) => {
        const { calendarId, id } = ids(ctx);
        return json(200, foundJson(eventFor(caller, id, calendarId, false), preferences(ctx).zone ?? 'UTC'));
      }),
    );
    router.on(
      'PATCH',
      route,
      authed((ctx, caller) => {
        const { calendarId, id } = ids(ctx);
        eventFor(caller, id, calendarId, true);
        return json(200, foundJson(state.updateEvent(id, jsonBody<EventInput>(ctx)), preferences(ctx).zone));
      }),
    );
    router.on(
      'DELETE',
      route,
      authed((ctx, caller) => {
        const { calendarId, id } = ids(ctx);
        eventFor(caller, id, calendarId, true);
        state.deleteEvent(id);
        return { status: 204 };
      }),
    );
  }

  router.on(
    'GET',
    new RegExp(`^${V}/me/events/${SEG}/instances$`),
    authed((ctx, caller) => {
      const found = eventFor(caller, ctx.params[0], undefined, false);
      const q = ctx.url.searchParams;
      const from = Date.parse(q.get('startDateTime') ?? '');
      const to = Date.parse(q.get('endDateTime') ?? '');
      if (Number.isNaN(from) || Number.isNaN(to)) return graphError(400, 'ErrorInvalidParameter', 'startDateTime and endDateTime are required.');
      if (found.kind !== 'event' || !found.event.recurrence) return graphError(400, 'ErrorInvalidRequest', 'The event is not a series master.');
      const zone = preferences(ctx).zone ?? 'UTC';
      const items = state.view(found.event.calendarId, from, to).filter((i) => i.event === found.event);
      return json(200, { value: items.map((i) => serializeItem(i, zone, true)) });
    }),
  );

  // ---- subscriptions ----
  const subscriptionJson = (s: Subscription) => ({
    '@odata.context': `${base()}/$metadata#subscriptions/$entity`,
    id: s.id,
    resource: s.resource,
    applicationId: s.clientId,
    changeType: s.changeTypes.join(','),
    clientState: s.clientState,
    notificationUrl: s.notificationUrl,
    lifecycleNotificationUrl: s.lifecycleNotificationUrl,
    expirationDateTime: new Date(s.expiresAtMs).toISOString(),
    creatorId: s.accountId,
    latestSupportedTlsVersion: 'v1_2',
    notificationContentType: 'application/json',
    includeResourceData: false,
  });
  router.on(
    'POST',
    new RegExp(`^${V}/subscriptions$`),
    authed(async (ctx, caller) => {
      const subscription = await deps.subscriptions.create(caller.account, caller.token.clientId, jsonBody<SubscriptionInput>(ctx), deps.refuseValidation(ctx));
      return json(201, subscriptionJson(subscription));
    }),
  );
  router.on('GET', new RegExp(`^${V}/subscriptions$`), authed((_ctx, caller) => json(200, { value: deps.subscriptions.list(caller.account).map(subscriptionJson) })));
  router.on('GET', new RegExp(`^${V}/subscriptions/${SEG}$`), authed((ctx, caller) => json(200, subscriptionJson(deps.subscriptions.get(caller.account, ctx.params[0])))));
  router.on(
    'PATCH',
    new RegExp(`^${V}/subscriptions/${SEG}$`),
    authed((ctx, caller) => json(200, subscriptionJson(deps.subscriptions.renew(caller.account, ctx.params[0], jsonBody<{ expirationDateTime?: string }>(ctx).expirationDateTime)))),
  );
  router.on(
    'DELETE',
    new RegExp(`^${V}/subscriptions/${SEG}$`),
    authed((ctx, caller) => {
      deps.subscriptions.remove(caller.account, ctx.params[0]);
      return { status: 204 };
    }),
  );
}
