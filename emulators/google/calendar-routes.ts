import { EmulatorError, badRequest, notFound } from './emulator.error';
import type { CalendarListEntry, StoredAccount } from './emulator.types';
import { toEventInput, toWire } from './event-wire';
import { listEvents } from './events-list';
import { empty, json, type Reply } from './http-reply';
import { expandRecurrence } from './rrule-expander';
import type { EmulatorDeps, RequestContext, Route } from './route.types';

// Calendar API v3: calendarList, events (list/get/insert/patch/update/delete/watch),
// channels.stop and freeBusy, with Google's scope and access-role checks.

const READ_SCOPES = ['calendar', 'calendar.readonly', 'calendar.events', 'calendar.events.readonly'].map((s) => `https://www.googleapis.com/auth/${s}`);
const WRITE_SCOPES = ['calendar', 'calendar.events'].map((s) => `https://www.googleapis.com/auth/${s}`);
const ROLE_RANK = { freeBusyReader: 0, reader: 1, writer: 2, owner: 3 } as const;
// Google refuses freeBusy ranges longer than about three months ("The requested time range is too long.")
const FREE_BUSY_MAX_RANGE_MS = 90 * 24 * 3600_000;

function mergeIntervals(list: { start: number; end: number }[]): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (const x of [...list].sort((a, b) => a.start - b.start)) {
    const last = out[out.length - 1];
    if (last && x.start <= last.end) last.end = Math.max(last.end, x.end);
    else if (x.end > x.start) out.push({ ...x });
  }
  return out;
}

const unauthenticated = () =>
  new EmulatorError(401, 'authError', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.', 'global', {
    'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"',
  });

export function calendarRoutes(deps: EmulatorDeps): Route[] {
  const { state, push } = deps;

  const authorize = (ctx: RequestContext, write: boolean): { account: StoredAccount; scopes: string[] } => {
    const bearer = /^Bearer (.+)$/i.exec(ctx.headers.authorization ?? '')?.[1];
    const grant = bearer ? state.tokens.checkAccess(bearer) : null;
    if (!grant) throw unauthenticated();
    const wanted = write ? WRITE_SCOPES : READ_SCOPES;
    if (!grant.scopes.some((s) => wanted.includes(s))) throw new EmulatorError(403, 'insufficientPermissions', 'Request had insufficient authentication scopes.');
    return { account: state.account(grant.sub), scopes: grant.scopes };
  };

  const access = (account: StoredAccount, calendarId: string, need: keyof typeof ROLE_RANK): CalendarListEntry => {
    const entry = account.calendars.get(calendarId === 'primary' ? account.email : calendarId);
    if (!entry) throw notFound();
    if (ROLE_RANK[entry.accessRole] < ROLE_RANK[need]) {
      throw new EmulatorError(403, 'requiredAccessLevel', `You need to have ${need} access to this calendar.`);
    }
    return entry;
  };

  const calendarList = (ctx: RequestContext): Reply => {
    const { account } = authorize(ctx, false);
    const min = ctx.url.searchParams.get('minAccessRole') as keyof typeof ROLE_RANK | null;
    const max = Math.min(Number(ctx.url.searchParams.get('maxResults') ?? 100) || 100, 250);
    const offset = Number(ctx.url.searchParams.get('pageToken') ?? 0) || 0;
    const entries = [...account.calendars.values()].filter((e) => !min || ROLE_RANK[e.accessRole] >= ROLE_RANK[min]);
    const page = entries.slice(offset, offset + max).map((e) => {
      const cal = state.calendar(e.calendarId);
      return {
        kind: 'calendar#calendarListEntry',
        etag: `"${cal.seq}"`,
        id: cal.id,
        summary: cal.summary,
        timeZone: cal.timeZone,
        accessRole: e.accessRole,
        ...(e.primary ? { primary: true } : {}),
        selected: true,
        defaultReminders: [],
      };
    });
    const more = offset + max < entries.length;
    return json(200, { kind: 'calendar#calendarList', etag: '"p1"', ...(more ? { nextPageToken: String(offset + max) } : { nextSyncToken: 'cl' }), items: page });
  };

  const timeParam = (ctx: RequestContext, name: string): number | null => {
    const v = ctx.url.searchParams.get(name);
    if (v === null) return null;
    const ms = Date.parse(v);
    if (Number.isNaN(ms) || !/(Z|[+-]\d\d:\d\d)$/i.test(v)) throw badRequest(`Invalid ${name}`);
    return ms;
  };

  const list = (ctx: RequestContext): Reply => {
    const { account } = authorize(ctx, false);
    const entry = access(account, ctx.params[0], 'reader');
    const cal = state.calendar(entry.calendarId);
    const q = ctx.url.searchParams;
    const result = listEvents(cal, {
      singleEvents: q.get('singleEvents') === 'true',
      showDeleted: q.get('showDeleted') === 'true',
      timeMinMs: timeParam(ctx, 'timeMin'),
      timeMaxMs: timeParam(ctx, 'timeMax'),
      maxResults: Number(q.get('maxResults') ?? 250) || 250,
      pageToken: q.get('pageToken'),
      syncToken: q.get('syncToken'),
    });
    return json(200, {
      kind: 'calendar#events',
      etag: `"${cal.seq}"`,
      summary: cal.summary,
      updated: new Date().toISOString(),
      timeZone: cal.timeZone,
      accessRole: entry.accessRole,
      defaultReminders: [],
      ...result,
    });
  };

  const get = (ctx: RequestContext): Reply => {
    const { account } = authorize(ctx, false);
    const entry = access(account, ctx.params[0], 'reader');
    return json(200, toWire(state.getEvent(entry.calendarId, ctx.params[1])));
  };

  const insert = (ctx: RequestContext): Reply => {
    const { account } = authorize(ctx, true);
    const entry = access(account, ctx.params[0], 'writer');
    return json(200, toWire(state.insertEvent(entry.calendarId, toEventInput(ctx.body))));
  };

  const patch = (ctx: RequestContext): Reply => {
    const { account } = authorize(ctx, true);
    const entry = access(account, ctx.params[0], 'writer');
    return json(200, toWire(state.patchEvent(entry.calendarId, ctx.params[1], toEventInput(ctx.body))));
  };

  // PUT replaces: fields left out are cleared
  const update = (ctx: RequestContext): Reply => {
    const { account } = authorize(ctx, true);
    const entry = access(account, ctx.params[0], 'writer');
    const input = toEventInput(ctx.body);
    const cleared = { summary: undefined, description: undefined, transparency: undefined, ...input };
    return json(200, toWire(state.patchEvent(entry.calendarId, ctx.params[1], cleared)));
  };

  const remove = (ctx: RequestContext): Reply => {
    const { account } = authorize(ctx, true);
    const entry = access(account, ctx.params[0], 'writer');
    state.deleteEvent(entry.calendarId, ctx.params[1]);
    return empty(204);
  };

  const watch = (ctx: RequestContext): Reply => {
    const { account } = authorize(ctx, false);
    const entry = access(account, ctx.params[0], 'reader');
    const b = ctx.body as Record<string, string | undefined>;
    if (!b.id) throw badRequest('Missing channel id', 'required');
    if (b.type !== 'web_hook' && b.type !== 'webhook') throw badRequest('Invalid channel type');
    if (!b.address || !URL.canParse(b.address)) throw badRequest('Invalid notification address', 'push.webhookUrlNotHttps');
    const ch = push.open({
      id: b.id,
      token: b.token ?? null,
      address: b.address,
      calendarId: entry.calendarId,
      sub: account.sub,
      expiration: b.expiration ? Number(b.expiration) : null,
    });
    return json(200, { kind: 'api#channel', id: ch.id, resourceId: ch.resourceId, resourceUri: ch.resourceUri, ...(ch.token ? { token: ch.token } : {}), expiration: String(ch.expiration) });
  };

  const stop = (ctx: RequestContext): Reply => {
    const { account } = authorize(ctx, false);
    const b = ctx.body as Record<string, string | undefined>;
    if (!b.id) throw badRequest('Missing channel id', 'required');
    push.stop(b.id, b.resourceId, account.sub);
    return empty(204);
  };

  // Busy time of each requested calendar the account can see (freeBusyReader is enough): opaque, not
  // cancelled events and occurrences, clipped to the range, overlapping or touching ones merged.
  const freeBusy = (ctx: RequestContext): Reply => {
    const { account } = authorize(ctx, false);
    const b = ctx.body as { timeMin?: string; timeMax?: string; items?: { id: string }[] };
    const from = Date.parse(b.timeMin ?? '');
    const to = Date.parse(b.timeMax ?? '');
    if (Number.isNaN(from) || Number.isNaN(to)) throw badRequest('Missing timeMin or timeMax', 'required');
    if (to <= from) throw badRequest('The specified time range is empty.', 'timeRangeEmpty');
    if (to - from > FREE_BUSY_MAX_RANGE_MS) throw badRequest('The requested time range is too long.', 'timeRangeTooLong');
    const calendars: Record<string, unknown> = {};
    for (const { id } of b.items ?? []) {
      const entry = account.calendars.get(id === 'primary' ? account.email : id);
      if (!entry) {
        calendars[id] = { errors: [{ domain: 'global', reason: 'notFound' }], busy: [] };
        continue;
      }
      const cal = state.calendar(entry.calendarId);
      const busy: { start: number; end: number }[] = [];
      for (const ev of cal.events.values()) {
        if (ev.status === 'cancelled' || ev.transparency === 'transparent') continue;
        if (ev.recurrence) {
          for (const o of expandRecurrence(ev, cal.timeZone, from, to)) {
            if (!cal.exceptionIds.has(`${ev.id}_${o.stamp}`)) busy.push({ start: o.startMs, end: o.endMs });
          }
        } else if (ev.endMs > from && ev.startMs < to) busy.push({ start: ev.startMs, end: ev.endMs });
      }
      calendars[id] = {
        busy: mergeIntervals(busy.map((x) => ({ start: Math.max(x.start, from), end: Math.min(x.end, to) }))).map((x) => ({
          start: new Date(x.start).toISOString(),
          end: new Date(x.end).toISOString(),
        })),
      };
    }
    return json(200, { kind: 'calendar#freeBusy', timeMin: b.timeMin, timeMax: b.timeMax, calendars });
  };

  const calendarMeta = (ctx: RequestContext): Reply => {
    const { account } = authorize(ctx, false);
    const entry = access(account, ctx.params[0], 'freeBusyReader');
    const cal = state.calendar(entry.calendarId);
    return json(200, { kind: 'calendar#calendar', etag: `"${cal.seq}"`, id: cal.id, summary: cal.summary, timeZone: cal.timeZone });
  };

  const C = '^/calendar/v3';
  const SEG = '([^/]+)';
  return [
    { method: 'GET', pattern: new RegExp(`${C}/users/me/calendarList$`), handler: calendarList },
    { method: 'GET', pattern: new RegExp(`${C}/calendars/${SEG}$`), handler: calendarMeta },
    { method: 'GET', pattern: new RegExp(`${C}/calendars/${SEG}/events$`), handler: list },
    { method: 'POST', pattern: new RegExp(`${C}/calendars/${SEG}/events/watch$`), handler: watch },
    { method: 'POST', pattern: new RegExp(`${C}/calendars/${SEG}/events$`), handler: insert },
    { method: 'GET', pattern: new RegExp(`${C}/calendars/${SEG}/events/${SEG}$`), handler: get },
    { method: 'PATCH', pattern: new RegExp(`${C}/calendars/${SEG}/events/${SEG}$`), handler: patch },
    { method: 'PUT', pattern: new RegExp(`${C}/calendars/${SEG}/events/${SEG}$`), handler: update },
    { method: 'DELETE', pattern: new RegExp(`${C}/calendars/${SEG}/events/${SEG}$`), handler: remove },
    { method: 'POST', pattern: new RegExp(`${C}/channels/stop$`), handler: stop },
    { method: 'POST', pattern: new RegExp(`${C}/freeBusy$`), handler: freeBusy },
  ];
}

