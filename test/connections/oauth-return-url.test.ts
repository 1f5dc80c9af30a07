import { ConnectFlow, emailOf, Emulators, httpGet, newTenant, scalar, startEmulators } from '../support/connect-flow';
import { codeOf, startTestApp, TestApp } from '../support/test-app';

// With OAUTH_RETURN_URL the callback only forwards the provider's answer to the CRM's page, which finishes
// with completeConnection under the user's own token. The callback itself creates nothing.

const RETURN_URL = 'https://crm.example.test/settings/calendars?tab=connect';

describe('GET /oauth/{provider}/callback with OAUTH_RETURN_URL', () => {
  let t: TestApp;
  let emu: Emulators;
  let flow: ConnectFlow;
  const ds = () => t.app.ds;

  beforeAll(async () => {
    emu = await startEmulators();
    t = await startTestApp({ ...emu.env, OAUTH_RETURN_URL: RETURN_URL });
    flow = new ConnectFlow(t, emu);
  });
  afterAll(async () => {
    await t?.stop();
    await emu?.close();
  });

  const onServer = (redirect: string) => `${t.url.replace(/\/graphql$/, '')}${new URL(redirect).pathname}${new URL(redirect).search}`;
  const created = async (userId: string) =>
    scalar(
      ds(),
      `SELECT (SELECT count(*) FROM connections WHERE user_id = $1) + (SELECT count(*) FROM provider_accounts WHERE user_id = $1)
            + (SELECT count(*) FROM calendar_configurations WHERE user_id = $1) + (SELECT count(*) FROM oauth_confirmations WHERE user_id = $1)`,
      [userId],
    );

  test.each(['OUTLOOK', 'GOOGLE'] as const)('%s: forwards code and state to the CRM page and creates nothing; the page completes under the user’s token', async (provider) => {
    const w = await newTenant(ds());
    // Even the user's own account is not connected by the callback.
    const own = await emailOf(ds(), w.userA);
    const hint = provider === 'OUTLOOK' ? emu.microsoft.addAccount({ email: own }).userPrincipalName : emu.google.addAccount({ email: own }).email;
    const a = await flow.authorize(w.userA, w.locA, provider, hint);

    const forwarded = await httpGet(onServer(a.callbackUrl));
    expect(forwarded.status).toBe(302);
    const target = new URL(forwarded.location!);
    expect(`${target.origin}${target.pathname}`).toBe('https://crm.example.test/settings/calendars');
    expect(Object.fromEntries(target.searchParams)).toEqual({ tab: 'connect', code: a.code, state: a.state });
    expect(forwarded.headers['referrer-policy']).toBe('no-referrer');
    expect(forwarded.headers['cache-control']).toBe('no-store');
    expect(forwarded.headers['content-security-policy']).toBe("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'");
    expect(forwarded.headers['x-content-type-options']).toBe('nosniff');

    expect(await created(w.userA)).toBe(0);
    expect(await scalar(ds(), `SELECT count(*) FROM oauth_states WHERE user_id = $1 AND used_at IS NULL`, [w.userA])).toBe(1);

    // The CRM page: a colleague signed in there cannot use it; the user it was issued to completes it.
    expect(codeOf(await flow.complete(w.userA2, a.state, a.code))).toBe('OAUTH_STATE_INVALID');
    const done = await flow.complete(w.userA, a.state, a.code);
    expect(done.errors).toBeUndefined();
    expect(done.data!.completeConnection.accountEmail.toLowerCase()).toBe(own);
  });

  test('the provider’s error is forwarded too (the attempt is spent, nothing stored)', async () => {
    const w = await newTenant(ds());
    const hint = emu.google.addAccount({ email: await emailOf(ds(), w.userA) }).email;
    const started = (await flow.start(w.userA, w.locA, 'GOOGLE', hint)).data!.startConnection;
    const denied = await flow.deny('GOOGLE', started.authorizationUrl);
    const forwarded = await httpGet(onServer(denied));
    expect(forwarded.status).toBe(302);
    const q = new URL(forwarded.location!).searchParams;
    expect(q.get('error')).toBe('access_denied');
    expect(q.get('state')).toBe(started.state);
    expect(q.get('code')).toBeNull();
    expect(await created(w.userA)).toBe(0);
    expect(await scalar(ds(), `SELECT count(*) FROM oauth_states WHERE user_id = $1 AND used_at IS NULL`, [w.userA])).toBe(0);
  });
});
