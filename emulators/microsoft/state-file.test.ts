// stateFile: a restarted emulator keeps accounts, calendars, events, tokens and subscriptions.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMicrosoftEmulator, type MicrosoftEmulator } from './microsoft-emulator';
import { call } from './test-https.helper';

const REDIRECT = 'https://app.test/callback';
let dir: string;
const running: MicrosoftEmulator[] = [];
const start = async (opts: Parameters<typeof startMicrosoftEmulator>[0]) => {
  const em = await startMicrosoftEmulator(opts);
  running.push(em);
  return em;
};

beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ms-emulator-state-'))));
afterEach(async () => {
  await Promise.all(running.splice(0).map((em) => em.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function signIn(em: MicrosoftEmulator, email: string) {
  const verifier = randomBytes(32).toString('base64url');
  const q = new URLSearchParams({
    client_id: 'app', response_type: 'code', redirect_uri: REDIRECT, scope: 'openid offline_access User.Read Calendars.ReadWrite', login_hint: email,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
  });
  const code = new URL((await call(`${em.authority}/oauth2/v2.0/authorize?${q}`, em.caPem)).headers.location as string).searchParams.get('code')!;
  const res = await call(`${em.authority}/oauth2/v2.0/token`, em.caPem, { form: { client_id: 'app', client_secret: 's', grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT } });
  return res.json<{ access_token: string; refresh_token: string }>();
}

describe('Microsoft emulator with a state file', () => {
  it('answers after a restart as before: same accounts and ids, events, access and refresh tokens', async () => {
    const stateFile = join(dir, 'microsoft.json');
    const first = await start({ stateFile, accounts: [{ email: 'rep@agency.test', calendars: ['Bookings'] }] });
    const rep = first.state.findAccount('rep@agency.test')!;
    const tokens = await signIn(first, 'rep@agency.test');
    const created = await call(`${first.graphUrl}/me/calendars/${rep.defaultCalendarId}/events`, first.caPem, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
      body: { subject: 'Kept', start: { dateTime: '2030-01-01T10:00:00', timeZone: 'UTC' }, end: { dateTime: '2030-01-01T11:00:00', timeZone: 'UTC' } },
    });
    expect(created.status).toBe(201);
    await first.close();
    running.splice(0);
    expect(existsSync(stateFile)).toBe(true);

    // Same accounts again (as a restarted sandbox passes them): kept as they are, not duplicated or refused.
    const second = await start({ stateFile, accounts: [{ email: 'rep@agency.test', calendars: ['Bookings'] }] });
    expect(second.demo).toBeNull();
    expect(second.state.findAccount('rep@agency.test')).toMatchObject({ id: rep.id, oid: rep.oid, tid: rep.tid, defaultCalendarId: rep.defaultCalendarId });
    expect(second.state.findAccount('alex.wilber@contoso.com')).toBeDefined();
    expect([...second.state.accounts.values()].filter((a) => a.userPrincipalName === 'rep@agency.test')).toHaveLength(1);
    const auth = { authorization: `Bearer ${tokens.access_token}` };
    const read = await call(`${second.graphUrl}/me/events/${created.json<{ id: string }>().id}`, second.caPem, { headers: auth });
    expect([read.status, read.json().subject]).toEqual([200, 'Kept']);
    const calendars = await call(`${second.graphUrl}/me/calendars`, second.caPem, { headers: auth });
    expect(calendars.json<{ value: { name: string }[] }>().value.map((c) => c.name)).toEqual(['Calendar', 'Bookings']);
    const refreshed = await call(`${second.authority}/oauth2/v2.0/token`, second.caPem, { form: { client_id: 'app', client_secret: 's', grant_type: 'refresh_token', refresh_token: tokens.refresh_token } });
    expect(refreshed.status).toBe(200);
  });

  it('writes the state file shortly after a change, without waiting for close', async () => {
    const stateFile = join(dir, 'microsoft.json');
    const em = await start({ stateFile, seedDemo: false });
    em.addAccount({ email: 'late@agency.test' });
    const deadline = Date.now() + 5000;
    while (!readFileSync(stateFile, 'utf8').includes('late@agency.test')) {
      if (Date.now() > deadline) throw new Error('state file not written');
      await new Promise((r) => setTimeout(r, 10));
    }
  });
});
