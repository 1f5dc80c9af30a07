import { emailOf, httpGet, newTenant, scalar } from '../support/connect-flow';
import { useEmulatedService } from '../support/emulated-service';
import { codeOf } from '../support/test-app';

// With OAUTH_RETURN_URL the callback only forwards the provider's answer to the CRM's page, which finishes
// with completeConnection under the user's own token. The callback itself creates nothing.

const RETURN_URL = 'https://crm.example.test/settings/calendars?tab=connect';

describe('GET /oauth/{provider}/callback with OAUTH_RETURN_URL', () => {
  const s = useEmulatedService({ env: { OAUTH_RETURN_URL: RETURN_URL } });

  const onServer = (redirect: string) => `${s.t.url.replace(/\/graphql$/, '')}${new URL(redirect).pathname}${new URL(redirect).search}`;
  const created = async (userId: string) =>
    scalar(
      s.ds(),
      `SELECT (SELECT count(*) FROM connections WHERE user_id = $1) + (SELECT count(*) FROM provider_accounts WHERE user_id = $1)
            + (SELECT count(*) FROM calendar_configurations WHERE user_id = $1) + (SELECT count(*) FROM oauth_confirmations WHERE user_id = $1)`,
      [userId],
    );

  test.each(['OUTLOOK', 'GOOGLE'] as const)('%s: forwards code and state to the CRM page and creates nothing; the page completes under the user’s token', async (provider) => {
    const w = await newTenant(s.ds());
    // Even the user's own account is not connected by the callback.
    const own = await emailOf(s.ds(), w.userA);
    const hint = provider === 'OUTLOOK' ? s.emu.microsoft.addAccount({ email: own }).userPrincipalName : s.emu.google.addAccount({ email: own }).email;
    const a = await s.flow.authorize(w.userA, w.locA, provider, hint);

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
    expect(await scalar(s.ds(), `SELECT count(*) FROM oauth_states WHERE user_id = $1 AND used_at IS NULL`, [w.userA])).toBe(1);

    // The CRM page: a colleague signed in there cannot use it; the user it was issued to completes it.
    expect(codeOf(await s.flow.complete(w.userA2, a.state, a.code))).toBe('OAUTH_STATE_INVALID');
    const done = await s.flow.complete(w.userA, a.state, a.code);
    expect(done.errors).toBeUndefined();
    expect(done.data!.completeConnection.accountEmail.toLowerCase()).toBe(own);
  });

  test('the provider’s error is forwarded too (the attempt is spent, nothing stored)', async () => {
    const w = await newTenant(s.ds());
    const hint = s.emu.google.addAccount({ email: await emailOf(s.ds(), w.userA) }).email;
    const started = (await s.flow.start(w.userA, w.locA, 'GOOGLE', hint)).data!.startConnection;
    const denied = await s.flow.deny('GOOGLE', started.authorizationUrl);
    const forwarded = await httpGet(onServer(denied));
    expect(forwarded.status).toBe(302);
    const q = new URL(forwarded.location!).searchParams;
    expect(q.get('error')).toBe('access_denied');
    expect(q.get('state')).toBe(started.state);
    expect(q.get('code')).toBeNull();
    expect(await created(w.userA)).toBe(0);
    expect(await scalar(s.ds(), `SELECT count(*) FROM oauth_states WHERE user_id = $1 AND used_at IS NULL`, [w.userA])).toBe(0);
  });
});
