import { SetLocationFeatureDocument } from '../generated/graphql';
import { emailOf, httpGet, HttpReply, newTenant, scalar, Tenant, uniqueEmail } from '../support/connect-flow';
import { binding, TokenCipher } from '../../src/connections/token-cipher';
import { useEmulatedService } from '../support/emulated-service';
import { codeOf, TEST_TOKEN_KEY } from '../support/test-app';

// The browser callback never attaches an account on the state alone: a link sent to a colleague who then
// signs in with their own account ends on a confirmation page, and nothing is stored until it is confirmed.

const EXPECTED_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

type P = 'OUTLOOK' | 'GOOGLE';

describe('the browser callback asks before connecting an account that is not the user’s', () => {
  const s = useEmulatedService();
  const base = () => s.t.url.replace(/\/graphql$/, '');
  /** Every page of the flow a test saw, to check their headers. */
  const seen: Array<{ what: string; reply: HttpReply }> = [];

  const page = async (what: string, url: string, form?: Record<string, string>, headers?: Record<string, string>) => {
    const reply = await httpGet(url, undefined, form, headers);
    seen.push({ what, reply });
    return reply;
  };
  /** The provider's redirect, sent to this server (PUBLIC_URL follows the bound port here). */
  const callback = (what: string, redirect: string) => page(what, `${base()}${new URL(redirect).pathname}${new URL(redirect).search}`);
  const answer = (what: string, provider: P, form: Record<string, string>, headers: Record<string, string> = { 'sec-fetch-site': 'same-origin' }) =>
    page(what, `${base()}/oauth/${provider.toLowerCase()}/confirm`, form, headers);
  const tokenOn = (reply: HttpReply) => /name="token" value="([^"]+)"/.exec(reply.body)?.[1] ?? null;
  const text = (html: string) => html.replace(/<[^>]+>/g, '').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

  /** Sam Lee at Downtown Clinic; the colleague Rita has her own account at the provider. */
  async function scene(provider: P) {
    const w: Tenant = await newTenant(s.ds());
    await s.ds().query(`UPDATE users SET name = 'Sam Lee' WHERE id = $1`, [w.userA]);
    await s.ds().query(`UPDATE locations SET name = 'Downtown Clinic' WHERE id = $1`, [w.locA]);
    const rita = provider === 'OUTLOOK' ? s.emu.microsoft.addAccount({ email: uniqueEmail('rita', 'contoso-rita.test') }).userPrincipalName : s.emu.google.addAccount({ email: uniqueEmail('rita', 'gmail.test') }).email;
    // Sam starts, and sends the authorization URL to Rita, who approves with her own account.
    const a = await s.flow.authorize(w.userA, w.locA, provider, rita);
    return { w, rita, a };
  }

  const stored = async (userId: string) => ({
    connections: await scalar(s.ds(), `SELECT count(*) FROM connections WHERE user_id = $1`, [userId]),
    accounts: await scalar(s.ds(), `SELECT count(*) FROM provider_accounts WHERE user_id = $1`, [userId]),
    configurations: await scalar(s.ds(), `SELECT count(*) FROM calendar_configurations WHERE user_id = $1`, [userId]),
    held: await scalar(s.ds(), `SELECT count(*) FROM oauth_confirmations WHERE user_id = $1`, [userId]),
  });

  test.each<P>(['OUTLOOK', 'GOOGLE'])("%s: a colleague's account via a forwarded link → a page naming user, location and account; nothing stored until confirmed", async (provider) => {
    const { w, rita, a } = await scene(provider);
    const question = await callback('confirmation page', a.callbackUrl);
    expect(question.status).toBe(200);
    expect(text(question.body)).toContain(`Connect ${rita} to Sam Lee's calendar settings at Downtown Clinic?`);
    expect(question.body).toContain('<form method="post" action="/oauth/');
    const token = tokenOn(question)!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // Nothing is attached yet; what is held is encrypted and the page carries no provider token.
    expect(await stored(w.userA)).toEqual({ connections: 0, accounts: 0, configurations: 0, held: 1 });
    const [held] = await s.ds().query(`SELECT token_hash, credentials, expires_at FROM oauth_confirmations WHERE user_id = $1`, [w.userA]);
    expect(held.token_hash).not.toBe(token);
    expect(held.credentials).toMatch(/^v2\./);
    const [state] = await s.ds().query(`SELECT expires_at FROM oauth_states WHERE user_id = $1`, [w.userA]);
    expect(new Date(held.expires_at).getTime()).toBe(new Date(state.expires_at).getTime());
    const heldTokens = JSON.parse(new TokenCipher([TEST_TOKEN_KEY]).decrypt(held.credentials, binding('oauth_confirmations.credentials', held.token_hash))) as { accessToken: string; refreshToken: string };
    if (provider === 'GOOGLE') expect(s.emu.google.state.tokens.checkAccess(heldTokens.accessToken)?.sub).toBeDefined();
    else expect(s.emu.microsoft.state.accessTokens.has(heldTokens.accessToken)).toBe(true);
    const everything = (await s.ds().query(`SELECT coalesce(string_agg(x::text, E'\\n'), '') AS t FROM oauth_confirmations x`))[0].t as string;
    for (const secret of [heldTokens.accessToken, heldTokens.refreshToken]) {
      expect(question.body).not.toContain(secret);
      expect(everything).not.toContain(secret);
    }

    // Rita confirms: it connects (to Sam, as Sam's attempt said), through the same rules as completeConnection.
    const done = await answer('connected after confirmation', provider, { token, decision: 'confirm' });
    expect(done.status).toBe(200);
    expect(text(done.body)).toContain(`Connected ${rita}`);
    expect(done.body).toContain('<ul id="calendars">');
    expect(await stored(w.userA)).toEqual({ connections: 1, accounts: 1, configurations: 1, held: 0 });
    const [conn] = await s.ds().query(`SELECT location_id, provider, account_email, status FROM connections WHERE user_id = $1`, [w.userA]);
    expect(conn).toEqual({ location_id: w.locA, provider, account_email: rita, status: 'ACTIVE' });

    // The token is single-use.
    const replay = await answer('replayed confirmation', provider, { token, decision: 'confirm' });
    expect(replay.status).toBe(400);
    expect(replay.body).toContain('This confirmation is no longer valid');
    expect(await scalar(s.ds(), `SELECT count(*) FROM connections WHERE user_id = $1`, [w.userA])).toBe(1);
  });

  test.each<P>(['OUTLOOK', 'GOOGLE'])('%s: Decline spends the attempt and stores nothing', async (provider) => {
    const { w, a } = await scene(provider);
    const token = tokenOn(await callback('confirmation page', a.callbackUrl))!;
    const declined = await answer('declined', provider, { token, decision: 'decline' });
    expect(declined.status).toBe(200);
    expect(declined.body).toContain('You declined. Nothing was saved.');
    expect(await stored(w.userA)).toEqual({ connections: 0, accounts: 0, configurations: 0, held: 0 });
    // Neither the confirmation nor the state can be used afterwards.
    expect((await answer('confirm after decline', provider, { token, decision: 'confirm' })).status).toBe(400);
    expect(codeOf(await s.flow.complete(w.userA, a.state, a.code))).toBe('OAUTH_STATE_INVALID');
    expect(await stored(w.userA)).toEqual({ connections: 0, accounts: 0, configurations: 0, held: 0 });
  });

  test('the account owner’s email (any case) completes at once, without a question', async () => {
    const w = await newTenant(s.ds());
    const own = await emailOf(s.ds(), w.userA);
    await s.ds().query(`UPDATE users SET email = upper(email) WHERE id = $1`, [w.userA]);
    s.emu.google.addAccount({ email: own });
    const a = await s.flow.authorize(w.userA, w.locA, 'GOOGLE', own);
    const done = await callback('connected at once', a.callbackUrl);
    expect(done.status).toBe(200);
    expect(done.body).toContain(`Connected ${own}`);
    expect(tokenOn(done)).toBeNull();
    expect(await stored(w.userA)).toEqual({ connections: 1, accounts: 1, configurations: 1, held: 0 });
  });

  test('the rules are checked again on confirmation (location switch turned off meanwhile): nothing stored, and the token is spent', async () => {
    const { w, a } = await scene('GOOGLE');
    const token = tokenOn(await callback('confirmation page', a.callbackUrl))!;
    expect((await s.t.gql(SetLocationFeatureDocument, { locationId: w.locA, feature: 'GOOGLE_CALENDAR', enabled: false }, s.t.tokenFor(w.agencyAdmin))).errors).toBeUndefined();
    const refused = await answer('gated on confirmation', 'GOOGLE', { token, decision: 'confirm' });
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('Google Calendar Integration is not enabled for your account. Please contact the administrator.');
    expect(await stored(w.userA)).toEqual({ connections: 0, accounts: 0, configurations: 0, held: 0 });
  });

  test('an answer from another site, a token for the other provider, an unknown decision or an expired question is refused; none spends a live token', async () => {
    const { w, a } = await scene('GOOGLE');
    const token = tokenOn(await callback('confirmation page', a.callbackUrl))!;
    const crossSite = await answer('cross-site answer', 'GOOGLE', { token, decision: 'confirm' }, { 'sec-fetch-site': 'cross-site' });
    expect(crossSite.status).toBe(403);
    const foreignOrigin = await answer('foreign origin', 'GOOGLE', { token, decision: 'confirm' }, { origin: 'https://evil.example' });
    expect(foreignOrigin.status).toBe(403);
    expect((await answer('other provider', 'OUTLOOK', { token, decision: 'confirm' })).status).toBe(400);
    expect((await answer('no decision', 'GOOGLE', { token })).status).toBe(400);
    expect((await answer('forged token', 'GOOGLE', { token: `${token.slice(0, -2)}xx`, decision: 'confirm' })).status).toBe(400);
    expect(await stored(w.userA)).toMatchObject({ connections: 0, held: 1 });

    // The question lives as long as the state (10 minutes): past that it is refused and gone.
    await s.ds().query(`UPDATE oauth_confirmations SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [w.userA]);
    const expired = await answer('expired question', 'GOOGLE', { token, decision: 'confirm' });
    expect(expired.status).toBe(400);
    expect(expired.body).toContain('This confirmation is no longer valid');
    expect(await stored(w.userA)).toEqual({ connections: 0, accounts: 0, configurations: 0, held: 0 });
  });

  test('every page of the flow sends the security headers', async () => {
    // Pages the other tests did not reach: the provider's error redirect, a forged state.
    await page('provider error', `${base()}/oauth/google/callback?error=access_denied&state=x`);
    await page('forged state', `${base()}/oauth/outlook/callback?code=abc&state=forged`);
    const kinds = new Set(seen.map((p) => p.what));
    for (const kind of ['confirmation page', 'connected after confirmation', 'replayed confirmation', 'declined', 'connected at once', 'gated on confirmation', 'cross-site answer', 'expired question']) {
      expect(kinds).toContain(kind);
    }
    for (const { what, reply } of seen) {
      expect({ what, ...pick(reply.headers) }).toEqual({ what, ...EXPECTED_HEADERS });
    }
  });
});

function pick(headers: Record<string, unknown>) {
  return Object.fromEntries(Object.keys(EXPECTED_HEADERS).map((k) => [k, headers[k]]));
}
