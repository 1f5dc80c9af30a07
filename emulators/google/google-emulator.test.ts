import { createHash } from 'node:crypto';
import { startGoogleEmulator, type GoogleEmulator } from './index';

// The emulator over plain HTTP, as a browser or any client sees it.

let emu: GoogleEmulator;
beforeAll(async () => {
  emu = await startGoogleEmulator({ accounts: [{ email: 'alice@example.com', name: 'Alice', calendars: [{ id: 'shared@example.com', accessRole: 'reader' }] }] });
});
afterAll(() => emu.close());

const REDIRECT = 'http://127.0.0.1:9/cb';
const verifier = 'v'.repeat(50);
const challenge = createHash('sha256').update(verifier).digest('base64url');
const authorizeQuery = (extra: Record<string, string> = {}) =>
  new URLSearchParams({ client_id: 'app', redirect_uri: REDIRECT, response_type: 'code', scope: 'openid email https://www.googleapis.com/auth/calendar', state: 'st', code_challenge: challenge, code_challenge_method: 'S256', access_type: 'offline', ...extra });

async function token(body: Record<string, string>) {
  const res = await fetch(emu.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body) });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

async function signIn(): Promise<string> {
  const res = await fetch(`${emu.authUrl}?${authorizeQuery({ login_hint: 'alice@example.com' })}`, { redirect: 'manual' });
  const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
  const t = await token({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT, client_id: 'app', client_secret: 'x' });
  return t.body.access_token;
}

const api = (accessToken: string, path: string, init: RequestInit = {}) =>
  fetch(`${emu.apiUrl}calendar/v3/${path}`, { ...init, headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });

describe('OAuth', () => {
  it('shows a consent page with the accounts, Accept and Cancel', async () => {
    const res = await fetch(`${emu.authUrl}?${authorizeQuery()}`);
    const page = await res.text();
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(page).toContain('alice@example.com');
    expect(page).toMatch(/<button[^>]*value="accept"/);
    expect(page).toMatch(/<button[^>]*value="cancel"/);
  });

  it('with login_hint and prompt=select_account shows the page: that account first and chosen, the others below', async () => {
    emu.addAccount({ email: 'hinted.carol@example.com', name: 'Carol' });
    const page = await (await fetch(`${emu.authUrl}?${authorizeQuery({ login_hint: 'hinted.carol@example.com', prompt: 'select_account consent' })}`)).text();
    const order = [...page.matchAll(/name="account" value="([^"]+)"/g)].map((m) => m[1]);
    expect(order).toEqual(['hinted.carol@example.com', 'alice@example.com']);
    expect([...page.matchAll(/value="([^"]+)" required checked/g)].map((m) => m[1])).toEqual(['hinted.carol@example.com']);
    expect(page.indexOf('Other test accounts, for trying the error cases')).toBeGreaterThan(page.indexOf('value="hinted.carol@example.com" required'));
    // Without a hint nothing is chosen for the user
    expect(await (await fetch(`${emu.authUrl}?${authorizeQuery()}`)).text()).not.toContain('required checked');
  });

  it('redirects with access_denied on Cancel and with a code on Accept', async () => {
    const form = (decision: string, extra: Record<string, string> = {}) =>
      fetch(emu.authUrl, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...Object.fromEntries(authorizeQuery()), account: 'alice@example.com', decision, ...extra }) });
    const cancelled = new URL((await form('cancel')).headers.get('location')!);
    expect(Object.fromEntries(cancelled.searchParams)).toEqual({ error: 'access_denied', state: 'st' });
    // unticking write access grants calendar.readonly
    const accepted = new URL((await form('accept')).headers.get('location')!);
    expect(accepted.searchParams.get('state')).toBe('st');
    expect(accepted.searchParams.get('scope')).toContain('calendar.readonly');
    const t = await token({ grant_type: 'authorization_code', code: accepted.searchParams.get('code')!, code_verifier: verifier, redirect_uri: REDIRECT, client_id: 'app' });
    expect(t.status).toBe(200);
    expect(t.body.scope.split(' ')).toEqual(['openid', 'https://www.googleapis.com/auth/userinfo.email', 'https://www.googleapis.com/auth/calendar.readonly']);
  });

  it('verifies PKCE, refuses reused codes, refreshes and answers invalid_grant once revoked', async () => {
    const code = async () => new URL((await fetch(`${emu.authUrl}?${authorizeQuery({ login_hint: 'alice@example.com' })}`, { redirect: 'manual' })).headers.get('location')!).searchParams.get('code')!;
    const bad = await token({ grant_type: 'authorization_code', code: await code(), code_verifier: 'w'.repeat(50), redirect_uri: REDIRECT, client_id: 'app' });
    expect(bad).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'Invalid code verifier.' } });
    const c = await code();
    const ok = await token({ grant_type: 'authorization_code', code: c, code_verifier: verifier, redirect_uri: REDIRECT, client_id: 'app' });
    expect(ok.body).toMatchObject({ token_type: 'Bearer', expires_in: 3599, refresh_token: expect.any(String), id_token: expect.any(String) });
    const claims = JSON.parse(Buffer.from(ok.body.id_token.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ sub: emu.state.account('alice@example.com').sub, email: 'alice@example.com', aud: 'app' });
    expect((await token({ grant_type: 'authorization_code', code: c, code_verifier: verifier, redirect_uri: REDIRECT, client_id: 'app' })).status).toBe(400);
    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: ok.body.refresh_token, client_id: 'app' });
    expect(refreshed.body.access_token).toBeTruthy();
    expect(refreshed.body.refresh_token).toBeUndefined();
    const info = await fetch(emu.userinfoUrl, { headers: { authorization: `Bearer ${refreshed.body.access_token}` } });
    expect(await info.json()).toMatchObject({ sub: claims.sub, email: 'alice@example.com' });
  });
});

describe('Calendar API', () => {
  it('lists calendars with access roles, the primary one named by the email', async () => {
    const at = await signIn();
    const body = (await (await api(at, 'users/me/calendarList')).json()) as { items: { id: string; accessRole: string; primary?: boolean }[] };
    expect(body.items.map((c) => [c.id, c.accessRole, c.primary ?? false])).toEqual([
      ['alice@example.com', 'owner', true],
      ['shared@example.com', 'reader', false],
    ]);
    expect((await api(at, `calendars/shared%40example.com/events`, { method: 'POST', body: '{}' })).status).toBe(403);
    expect((await api('nope', 'users/me/calendarList')).status).toBe(401);
  });

  it('inserts with a client id (409 on repeat), patches, deletes to a tombstone (410 on repeat)', async () => {
    const at = await signIn();
    const ev = { id: 'abcdefv0123', summary: 'x', start: { dateTime: '2025-05-05T10:00:00Z' }, end: { dateTime: '2025-05-05T11:00:00Z' } };
    const path = 'calendars/alice%40example.com/events';
    expect((await api(at, path, { method: 'POST', body: JSON.stringify(ev) })).status).toBe(200);
    const dup = await api(at, path, { method: 'POST', body: JSON.stringify(ev) });
    expect(dup.status).toBe(409);
    expect(await dup.json()).toMatchObject({ error: { code: 409, errors: [{ reason: 'duplicate' }] } });
    expect((await api(at, path, { method: 'POST', body: JSON.stringify({ ...ev, id: 'UPPER-case' }) })).status).toBe(400);
    const patched = await api(at, `${path}/abcdefv0123`, { method: 'PATCH', body: JSON.stringify({ summary: 'y' }) });
    expect(await patched.json()).toMatchObject({ summary: 'y', start: ev.start });
    expect((await api(at, `${path}/abcdefv0123`, { method: 'DELETE' })).status).toBe(204);
    const again = await api(at, `${path}/abcdefv0123`, { method: 'DELETE' });
    expect(again.status).toBe(410);
    expect(await again.json()).toMatchObject({ error: { errors: [{ reason: 'deleted' }] } });
    expect(await (await api(at, `${path}/abcdefv0123`)).json()).toMatchObject({ status: 'cancelled' });
    expect((await api(at, `${path}/missing0`, { method: 'DELETE' })).status).toBe(404);
  });

  it('pages by creation order, so a deletion between pages skips nothing', async () => {
    const cal = emu.state.addCalendar('alice@example.com', { id: 'paging@example.com' });
    const ids = Array.from({ length: 6 }, (_, i) => emu.state.insertEvent(cal.id, { summary: `e${i}`, start: { dateTime: `2025-01-0${i + 1}T10:00:00Z` }, end: { dateTime: `2025-01-0${i + 1}T11:00:00Z` } }).id);
    const at = await signIn();
    const list = async (q: string) => (await (await api(at, `calendars/paging%40example.com/events?${q}`)).json()) as { items: { id: string; status: string }[]; nextPageToken?: string; nextSyncToken?: string };
    const p1 = await list('singleEvents=true&maxResults=3');
    emu.state.deleteEvent(cal.id, ids[0]);
    const p2 = await list(`singleEvents=true&maxResults=3&pageToken=${p1.nextPageToken}`);
    expect([...p1.items, ...p2.items].map((e) => e.id)).toEqual(ids);
    expect(p2.nextSyncToken).toBeTruthy();
    // the deletion during paging comes with the next incremental sync
    const inc = await list(`singleEvents=true&syncToken=${p2.nextSyncToken}`);
    expect(inc.items).toEqual([expect.objectContaining({ id: ids[0], status: 'cancelled' })]);
    emu.state.expireSyncTokens(cal.id);
    const expired = await api(at, `calendars/paging%40example.com/events?syncToken=${inc.nextSyncToken}`);
    expect(expired.status).toBe(410);
    expect(await expired.json()).toMatchObject({ error: { code: 410, errors: [{ domain: 'calendar', reason: 'fullSyncRequired' }] } });
  });

  it('reports the instances a shortened series lost as cancelled items of an incremental sync, over the API', async () => {
    const cal = emu.state.addCalendar('alice@example.com', { id: 'shorten@example.com' });
    const master = emu.state.insertEvent(cal.id, { summary: 's', start: { dateTime: '2025-03-03T09:00:00Z' }, end: { dateTime: '2025-03-03T10:00:00Z' }, recurrence: ['RRULE:FREQ=WEEKLY;COUNT=4'] });
    const at = await signIn();
    const list = async (q: string) => (await (await api(at, `calendars/shorten%40example.com/events?${q}`)).json()) as { items: Record<string, unknown>[]; nextSyncToken: string };
    const full = await list('singleEvents=true&timeMin=2025-01-01T00:00:00Z&timeMax=2026-01-01T00:00:00Z');
    expect(full.items).toHaveLength(4);
    const res = await api(at, `calendars/shorten%40example.com/events/${master.id}`, { method: 'PATCH', body: JSON.stringify({ recurrence: ['RRULE:FREQ=WEEKLY;COUNT=2'] }) });
    expect(res.status).toBe(200);
    const inc = await list(`singleEvents=true&syncToken=${full.nextSyncToken}`);
    expect(inc.items.filter((i) => i.status === 'cancelled')).toEqual(
      ['20250317T090000Z', '20250324T090000Z'].map((stamp) => ({
        kind: 'calendar#event',
        etag: expect.any(String),
        id: `${master.id}_${stamp}`,
        status: 'cancelled',
        updated: expect.any(String),
        recurringEventId: master.id,
        originalStartTime: { dateTime: expect.stringMatching(/^2025-03-\d\dT09:00:00Z$/) },
      })),
    );
    expect(inc.items.filter((i) => i.status === 'confirmed').map((i) => i.id)).toEqual([`${master.id}_20250303T090000Z`, `${master.id}_20250310T090000Z`]);
  });

  it('answers freeBusy from opaque events and occurrences', async () => {
    const cal = emu.state.addCalendar('alice@example.com', { id: 'fb@example.com' });
    emu.state.insertEvent(cal.id, { start: { dateTime: '2025-02-03T09:00:00Z' }, end: { dateTime: '2025-02-03T10:00:00Z' }, recurrence: ['RRULE:FREQ=DAILY;COUNT=2'] });
    emu.state.insertEvent(cal.id, { transparency: 'transparent', start: { dateTime: '2025-02-03T12:00:00Z' }, end: { dateTime: '2025-02-03T13:00:00Z' } });
    const at = await signIn();
    const res = await api(at, 'freeBusy', { method: 'POST', body: JSON.stringify({ timeMin: '2025-02-03T00:00:00Z', timeMax: '2025-02-05T00:00:00Z', items: [{ id: cal.id }] }) });
    expect(((await res.json()) as { calendars: Record<string, { busy: unknown }> }).calendars[cal.id].busy).toEqual([
      { start: '2025-02-03T09:00:00.000Z', end: '2025-02-03T10:00:00.000Z' },
      { start: '2025-02-04T09:00:00.000Z', end: '2025-02-04T10:00:00.000Z' },
    ]);
  });
});

describe('freeBusy for a calendar shared free/busy only', () => {
  it('merges overlapping and touching busy time, skips free and cancelled events, and refuses events.list', async () => {
    const owner = emu.state.addAccount({ email: 'fb-owner@example.com' });
    const cal = emu.state.addCalendar(owner.email, { id: 'fb-shared@example.com', timeZone: 'Europe/Berlin' });
    emu.state.shareCalendar(cal.id, 'alice@example.com', 'freeBusyReader');
    const ev = (start: string, end: string, extra = {}) => emu.state.insertEvent(cal.id, { summary: 'secret', start: { dateTime: start }, end: { dateTime: end }, ...extra });
    ev('2025-03-03T09:00:00Z', '2025-03-03T10:00:00Z');
    ev('2025-03-03T09:30:00Z', '2025-03-03T11:00:00Z'); // overlaps
    ev('2025-03-03T11:00:00Z', '2025-03-03T11:30:00Z'); // touches
    ev('2025-03-03T13:00:00Z', '2025-03-03T14:00:00Z', { transparency: 'transparent' });
    emu.state.deleteEvent(cal.id, ev('2025-03-03T15:00:00Z', '2025-03-03T16:00:00Z').id);
    emu.state.insertEvent(cal.id, { start: { date: '2025-03-05' }, end: { date: '2025-03-06' } }); // all day, Berlin
    const at = await signIn();
    const query = (timeMin: string, timeMax: string) =>
      api(at, 'freeBusy', { method: 'POST', body: JSON.stringify({ timeMin, timeMax, items: [{ id: cal.id }] }) });
    const res = await query('2025-03-01T00:00:00Z', '2025-03-10T00:00:00Z');
    expect(((await res.json()) as { calendars: Record<string, { busy: unknown }> }).calendars[cal.id].busy).toEqual([
      { start: '2025-03-03T09:00:00.000Z', end: '2025-03-03T11:30:00.000Z' },
      { start: '2025-03-04T23:00:00.000Z', end: '2025-03-05T23:00:00.000Z' },
    ]);
    expect((await api(at, `calendars/${encodeURIComponent(cal.id)}/events`)).status).toBe(403);
    // Google's limits on the range
    expect(await (await query('2025-03-01T00:00:00Z', '2025-06-10T00:00:00Z')).json()).toMatchObject({ error: { code: 400, errors: [{ reason: 'timeRangeTooLong' }] } });
    expect(await (await query('2025-03-01T00:00:00Z', '2025-03-01T00:00:00Z')).json()).toMatchObject({ error: { code: 400, errors: [{ reason: 'timeRangeEmpty' }] } });
  });
});

describe('faults, request log and control API', () => {
  it('logs every attempt, dropped ones included, with account and fault', async () => {
    const at = await signIn();
    emu.requestLog.clear();
    emu.faults.add({ fault: { type: 'drop' }, route: '/calendarList', account: 'alice@example.com' });
    await expect(api(at, 'users/me/calendarList')).rejects.toThrow();
    emu.faults.add({ fault: { type: 'delay', ms: 50 }, route: '/calendarList' });
    expect((await api(at, 'users/me/calendarList')).status).toBe(200);
    expect(emu.requestLog.entries.map((e) => [e.method, e.path, e.status, e.account, e.fault])).toEqual([
      ['GET', '/calendar/v3/users/me/calendarList', null, 'alice@example.com', 'drop'],
      ['GET', '/calendar/v3/users/me/calendarList', 200, 'alice@example.com', null],
    ]);
    // Timers may fire a fraction of a millisecond early against performance.now(); without the delay it takes ~1 ms.
    expect(emu.requestLog.entries[1].durationMs).toBeGreaterThanOrEqual(45);
  });

  it('accepts accounts, events and faults over HTTP', async () => {
    const post = (path: string, body: unknown) => fetch(`${emu.controlUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const created = await post('/accounts', { email: 'bob@example.com', calendars: [{ summary: 'Bob team', accessRole: 'writer' }] });
    expect(await created.json()).toMatchObject({ email: 'bob@example.com', calendars: [{ calendarId: 'bob@example.com', accessRole: 'owner', primary: true }, { accessRole: 'writer' }] });
    expect((await post('/calendars/bob%40example.com/events', { summary: 'hi', start: { date: '2025-01-01' }, end: { date: '2025-01-02' } })).status).toBe(201);
    expect(emu.state.events('bob@example.com')).toHaveLength(1);
    expect((await post('/faults', { fault: { type: 'rateLimit', retryAfterSec: 3 }, route: '/calendarList', times: 'always' })).status).toBe(201);
    const at = await signIn();
    const throttled = await api(at, 'users/me/calendarList');
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('3');
    await fetch(`${emu.controlUrl}/faults`, { method: 'DELETE' });
    expect((await api(at, 'users/me/calendarList')).status).toBe(200);
    const log = (await (await fetch(`${emu.controlUrl}/requests`)).json()) as { requests: { status: number }[] };
    expect(log.requests.length).toBeGreaterThan(0);
  });
});
