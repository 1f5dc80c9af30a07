import { badRequest } from './emulator.error';
import type { AccessRole, AccountSeed, CalendarSeed } from './emulator.types';
import { toEventInput, toWire } from './event-wire';
import type { Fault, FaultRule } from './fault-injector';
import { empty, json, type Reply } from './http-reply';
import type { EmulatorDeps, RequestContext, Route } from './route.types';

// /_control/...: what a test or a developer does from outside the process. Event writes
// here are "a user editing Google Calendar": they notify watch channels like API writes.

export function controlRoutes(deps: EmulatorDeps): Route[] {
  const { state, faults, requestLog, push } = deps;

  const accountView = (email: string) => {
    const a = state.account(email);
    return {
      sub: a.sub,
      email: a.email,
      name: a.name,
      calendarGrant: a.calendarGrant,
      calendars: [...a.calendars.values()].map((e) => ({ ...e, summary: state.calendar(e.calendarId).summary, timeZone: state.calendar(e.calendarId).timeZone })),
    };
  };

  const faultRule = (b: Record<string, unknown>): FaultRule => {
    if (!b.fault || typeof b.fault !== 'object') throw badRequest('fault is required');
    const times = b.times === 'always' || (typeof b.times === 'number' && b.times <= 0) ? Infinity : (b.times as number | undefined);
    return {
      fault: b.fault as Fault,
      route: typeof b.routePattern === 'string' ? new RegExp(b.routePattern) : (b.route as string | undefined),
      method: b.method as string | undefined,
      account: b.account as string | undefined,
      times,
    };
  };

  const r = (method: string, path: string, handler: (ctx: RequestContext) => Reply): Route => ({
    method,
    pattern: new RegExp(`^/_control${path.replace(/:\w+/g, '([^/]+)')}$`),
    handler,
  });

  return [
    r('GET', '/accounts', () => json(200, { accounts: [...state.accounts.values()].map((a) => accountView(a.email)) })),
    r('POST', '/accounts', (ctx) => json(201, accountView(state.addAccount(ctx.body as unknown as AccountSeed).email))),
    r('GET', '/accounts/:email', (ctx) => json(200, accountView(ctx.params[0]))),
    r('POST', '/accounts/:email/calendars', (ctx) => {
      const cal = state.addCalendar(ctx.params[0], ctx.body as CalendarSeed);
      return json(201, { id: cal.id, summary: cal.summary, timeZone: cal.timeZone });
    }),
    r('POST', '/accounts/:email/share', (ctx) => {
      state.shareCalendar(String(ctx.body.calendarId), ctx.params[0], ctx.body.accessRole as AccessRole);
      return empty();
    }),
    r('POST', '/accounts/:email/revoke', (ctx) => (state.revokeGrants(ctx.params[0]), empty())),
    r('POST', '/accounts/:email/expire-access-tokens', (ctx) => (state.expireAccessTokens(ctx.params[0]), empty())),
    r('GET', '/calendars/:id/events', (ctx) => json(200, { items: state.events(ctx.params[0]).map(toWire) })),
    r('POST', '/calendars/:id/events', (ctx) => json(201, toWire(state.insertEvent(ctx.params[0], toEventInput(ctx.body))))),
    r('PATCH', '/calendars/:id/events/:eventId', (ctx) => json(200, toWire(state.patchEvent(ctx.params[0], ctx.params[1], toEventInput(ctx.body))))),
    r('DELETE', '/calendars/:id/events/:eventId', (ctx) => (state.deleteEvent(ctx.params[0], ctx.params[1]), empty())),
    r('POST', '/calendars/:id/expire-sync-tokens', (ctx) => (state.expireSyncTokens(ctx.params[0]), empty())),
    r('GET', '/faults', () => json(200, { faults: faults.list().map((f) => ({ ...f, route: f.route?.toString() })) })),
    r('POST', '/faults', (ctx) => json(201, { id: faults.add(faultRule(ctx.body)).id })),
    r('DELETE', '/faults', () => (faults.clear(), empty())),
    r('GET', '/requests', () => json(200, { requests: requestLog.entries })),
    r('DELETE', '/requests', () => (requestLog.clear(), empty())),
    r('GET', '/channels', () => json(200, { channels: [...push.channels.values()] })),
    r('GET', '/notifications', () => json(200, { notifications: push.deliveries })),
  ];
}
