// stateFile: a restarted emulator keeps accounts, calendars, events, tokens and watch channels.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGoogleEmulator, type GoogleEmulator } from './index';

const REDIRECT = 'http://127.0.0.1:9/cb';
const verifier = 'v'.repeat(50);
let dir: string;
const running: GoogleEmulator[] = [];

beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'google-emulator-state-'))));
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function start(stateFile: string): Promise<GoogleEmulator> {
  const emu = await startGoogleEmulator({ stateFile, accounts: [{ email: 'rep@agency.test', calendars: [{ summary: 'Bookings' }] }] });
  running.push(emu);
  return emu;
}

async function token(emu: GoogleEmulator, body: Record<string, string>) {
  const res = await fetch(emu.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body) });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

describe('Google emulator with a state file', () => {
  it('answers after a restart as before: same account, calendars, events, access and refresh tokens, channels', async () => {
    const stateFile = join(dir, 'google.json');
    const first = await start(stateFile);
    const q = new URLSearchParams({
      client_id: 'app', redirect_uri: REDIRECT, response_type: 'code', scope: 'openid email https://www.googleapis.com/auth/calendar', access_type: 'offline',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256', login_hint: 'rep@agency.test',
    });
    const code = new URL((await fetch(`${first.authUrl}?${q}`, { redirect: 'manual' })).headers.get('location')!).searchParams.get('code')!;
    const tokens = (await token(first, { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT, client_id: 'app' })).body;
    const api = (emu: GoogleEmulator, path: string, init: RequestInit = {}) =>
      fetch(`${emu.apiUrl}calendar/v3/${path}`, { ...init, headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json' } });
    const inserted = await api(first, 'calendars/rep%40agency.test/events', { method: 'POST', body: JSON.stringify({ summary: 'Kept', start: { dateTime: '2030-01-01T10:00:00Z' }, end: { dateTime: '2030-01-01T11:00:00Z' } }) });
    const eventId = ((await inserted.json()) as { id: string }).id;
    await api(first, 'calendars/rep%40agency.test/events/watch', { method: 'POST', body: JSON.stringify({ id: 'channel-1', type: 'web_hook', address: 'http://127.0.0.1:9/hook' }) });
    const sub = first.state.account('rep@agency.test').sub;
    await first.close();
    running.splice(0);

    const second = await start(stateFile);
    expect(second.state.account('rep@agency.test').sub).toBe(sub);
    expect(second.state.accounts.size).toBe(1);
    const list = (await (await api(second, 'users/me/calendarList')).json()) as { items: { summary: string }[] };
    expect(list.items.map((c) => c.summary)).toEqual(['rep@agency.test', 'Bookings']);
    const read = await api(second, `calendars/rep%40agency.test/events/${eventId}`);
    expect([read.status, ((await read.json()) as { summary: string }).summary]).toEqual([200, 'Kept']);
    expect(second.push.channels.get('channel-1')).toMatchObject({ address: 'http://127.0.0.1:9/hook', stopped: false });
    const refreshed = await token(second, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: 'app' });
    expect(refreshed.status).toBe(200);
  });
});
