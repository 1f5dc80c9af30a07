// The emulator's control API (/_control/...): the same operations tests get in-process,
// over HTTP, for the sandbox and for manual runs. Edits here notify subscribers like a user
// editing in Outlook would.
import { json, jsonBody, type Router } from './http-kit';
import { serializeEvent } from './graph-event.serializer';
import type { FaultInput, FaultRegistry } from './faults';
import type { Account, Calendar, ShareRole } from './microsoft-model';
import type { AccountInput, EventInput, MicrosoftState } from './microsoft-state';
import type { RequestLog } from './request-log';
import type { LifecycleEvent, SubscriptionService } from './subscription-service';

export interface ControlDeps {
  state: MicrosoftState;
  faults: FaultRegistry;
  requestLog: RequestLog;
  subscriptions: SubscriptionService;
}

const C = '/_control';
const SEG = '([^/]+)';

export const accountJson = (state: MicrosoftState, a: Account) => ({
  id: a.id,
  oid: a.oid,
  tid: a.tid,
  kind: a.kind,
  userPrincipalName: a.userPrincipalName,
  mail: a.mail,
  displayName: a.displayName,
  externalId: `${a.tid}.${a.oid}`,
  calendars: state.calendarsOf(a.id).map((c) => calendarSummary(state, c, a)),
});

const calendarSummary = (state: MicrosoftState, c: Calendar, viewer: Account) => ({
  id: c.id,
  name: c.name,
  isDefault: c.isDefault,
  owner: state.accounts.get(c.ownerId)!.userPrincipalName,
  access: c.ownerId === viewer.id ? 'owner' : c.shares.get(viewer.id),
});

export function registerControlRoutes(router: Router, deps: ControlDeps): void {
  const { state } = deps;

  router.on('GET', new RegExp(`^${C}/accounts$`), () => json(200, { value: [...state.accounts.values()].map((a) => accountJson(state, a)) }));
  router.on('POST', new RegExp(`^${C}/accounts$`), (ctx) => json(201, accountJson(state, state.addAccount(jsonBody<AccountInput>(ctx)))));
  router.on('POST', new RegExp(`^${C}/accounts/${SEG}/calendars$`), (ctx) => {
    const body = jsonBody<{ name: string; color?: string }>(ctx);
    const calendar = state.addCalendar(ctx.params[0], body.name, { color: body.color });
    return json(201, calendarSummary(state, calendar, state.account(ctx.params[0])));
  });
  router.on('POST', new RegExp(`^${C}/calendars/${SEG}/shares$`), (ctx) => {
    const body = jsonBody<{ account: string; role: ShareRole }>(ctx);
    state.shareCalendar(ctx.params[0], body.account, body.role);
    return { status: 204 };
  });
  router.on('POST', new RegExp(`^${C}/accounts/${SEG}/(revoke-grants|expire-access-tokens|expire-delta-tokens)$`), (ctx) => {
    const [ref, action] = ctx.params;
    if (action === 'revoke-grants') state.revokeGrants(ref);
    else if (action === 'expire-access-tokens') state.expireAccessTokens(ref);
    else state.expireDeltaTokens(ref);
    return { status: 204 };
  });

  router.on('GET', new RegExp(`^${C}/calendars/${SEG}/events$`), (ctx) => json(200, { value: state.eventsIn(ctx.params[0]).map((e) => serializeEvent(e, null)) }));
  router.on('POST', new RegExp(`^${C}/calendars/${SEG}/events$`), (ctx) => json(201, serializeEvent(state.createEvent(ctx.params[0], jsonBody<EventInput>(ctx)).event, null)));
  router.on('PATCH', new RegExp(`^${C}/events/${SEG}$`), (ctx) => {
    const found = state.updateEvent(ctx.params[0], jsonBody<EventInput>(ctx));
    return json(200, found.kind === 'event' ? serializeEvent(found.event, null) : { id: found.item.id, seriesMasterId: found.item.event.id });
  });
  router.on('DELETE', new RegExp(`^${C}/events/${SEG}$`), (ctx) => ({ status: state.deleteEvent(ctx.params[0]) ? 204 : 404 }));

  router.on('GET', new RegExp(`^${C}/faults$`), () => json(200, { value: deps.faults.list() }));
  router.on('POST', new RegExp(`^${C}/faults$`), (ctx) => {
    const spec = jsonBody<FaultInput & { routeRegex?: string }>(ctx);
    if (spec.routeRegex) spec.route = new RegExp(spec.routeRegex);
    return json(201, deps.faults.add(spec));
  });
  router.on('DELETE', new RegExp(`^${C}/faults$`), () => {
    deps.faults.clear();
    return { status: 204 };
  });
  router.on('DELETE', new RegExp(`^${C}/faults/(\\d+)$`), (ctx) => {
    deps.faults.remove(Number(ctx.params[0]));
    return { status: 204 };
  });

  router.on('GET', new RegExp(`^${C}/requests$`), () => json(200, { value: deps.requestLog.list() }));
  router.on('DELETE', new RegExp(`^${C}/requests$`), () => {
    deps.requestLog.clear();
    return { status: 204 };
  });

  router.on('GET', new RegExp(`^${C}/subscriptions$`), () => json(200, { value: [...state.subscriptions.values()] }));
  router.on('GET', new RegExp(`^${C}/notifications$`), () => json(200, { value: deps.subscriptions.deliveries }));
  router.on('POST', new RegExp(`^${C}/subscriptions/${SEG}/lifecycle$`), async (ctx) => {
    const body = jsonBody<{ lifecycleEvent: LifecycleEvent }>(ctx);
    return json(200, await deps.subscriptions.lifecycle(ctx.params[0], body.lifecycleEvent));
  });
}
