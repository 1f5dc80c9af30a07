import { createHash } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { credentialsBinding } from '../../src/connections/connection-tokens.service';
import { verifierBinding } from '../../src/connections/oauth-state.service';
import { TokenCipher } from '../../src/connections/token-cipher';
import { Provider, SetLocationFeatureDocument } from '../generated/graphql';
import { emailOf, httpGet, newTenant, scalar, uniqueEmail } from '../support/connect-flow';
import { useEmulatedService } from '../support/emulated-service';
import { codeOf, TEST_TOKEN_KEY } from '../support/test-app';

// Tokens at rest (AES-256-GCM, tagged with a key id) and the browser callback pages.

describe('tokens at rest and the OAuth callback pages', () => {
  const s = useEmulatedService();
  const cipher = new TokenCipher([TEST_TOKEN_KEY]);
  const keyId = createHash('sha256').update(Buffer.from(TEST_TOKEN_KEY, 'base64')).digest('hex').slice(0, 8);

  /** Every row of every table of the database, as text. */
  async function wholeDatabase(): Promise<string> {
    const tables: Array<{ table_name: string }> = await s.ds().query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`);
    const parts = await Promise.all(tables.map(async ({ table_name }) => (await s.ds().query(`SELECT coalesce(string_agg(x::text, E'\\n'), '') AS t FROM "${table_name}" x`))[0].t as string));
    return parts.join('\n');
  }
  const tableText = async (table: 'connections' | 'oauth_states') => (await s.ds().query(`SELECT coalesce(string_agg(x::text, E'\\n'), '') AS t FROM ${table} x`))[0].t as string;

  describe('tokens are encrypted at rest', () => {
    test('Outlook: neither the access nor the refresh token the emulator issued is stored in clear', async () => {
      const w = await newTenant(s.ds());
      const me = s.emu.microsoft.addAccount({ email: uniqueEmail('enc', 'contoso-enc.test') });
      const raw = await (async () => {
        const a = await s.flow.authorize(w.userA, w.locA, 'OUTLOOK', me.userPrincipalName);
        return s.t.raw({ query: `mutation($s: String!, $c: String!) { completeConnection(state: $s, code: $c) { id } }`, variables: { s: a.state, c: a.code } }, s.t.tokenFor(w.userA));
      })();
      const connectionId = (raw.json.data as { completeConnection: { id: string } }).completeConnection.id;

      const accessTokens = [...s.emu.microsoft.state.accessTokens.entries()].filter(([, g]) => g.accountId === me.id).map(([k]) => k);
      const refreshTokens = [...s.emu.microsoft.state.refreshTokens.entries()].filter(([, g]) => g.accountId === me.id).map(([k]) => k);
      expect(accessTokens.length).toBeGreaterThan(0);
      expect(refreshTokens.length).toBeGreaterThan(0);

      // What is stored is ciphertext under the current key, and it holds the real tokens.
      const [row] = await s.ds().query(`SELECT credentials FROM connections WHERE id = $1`, [connectionId]);
      expect(row.credentials).toMatch(new RegExp(`^v2\\.${keyId}\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$`));
      const opened = JSON.parse(cipher.decrypt(row.credentials, credentialsBinding(connectionId))) as { accessToken: string; refreshToken: string };
      expect(accessTokens).toContain(opened.accessToken);
      expect(refreshTokens).toContain(opened.refreshToken);

      const connections = await tableText('connections');
      const states = await tableText('oauth_states');
      const everything = await wholeDatabase();
      for (const token of [...accessTokens, ...refreshTokens]) {
        expect(connections).not.toContain(token);
        expect(states).not.toContain(token);
        expect(everything).not.toContain(token);
        // And they never leave the server.
        expect(JSON.stringify(raw.json)).not.toContain(token);
      }
    });

    test('Google: neither the access nor the refresh token is stored in clear', async () => {
      const w = await newTenant(s.ds());
      const me = s.emu.google.addAccount({ email: uniqueEmail('enc', 'gmail.test') });
      const conn = await s.flow.connected(w.userA, w.locA, 'GOOGLE', me.email);
      const [row] = await s.ds().query(`SELECT credentials FROM connections WHERE id = $1`, [conn.id]);
      expect(row.credentials.startsWith(`v2.${keyId}.`)).toBe(true);
      const opened = JSON.parse(cipher.decrypt(row.credentials, credentialsBinding(conn.id))) as { accessToken: string; refreshToken: string };
      // The emulator knows them as this account's live tokens.
      expect(s.emu.google.state.tokens.checkAccess(opened.accessToken)?.sub).toBe(me.sub);
      expect(s.emu.google.state.tokens.subOf(opened.refreshToken)).toBe(me.sub);
      expect(opened.refreshToken).toMatch(/^1\/\/0/);

      const everything = await wholeDatabase();
      for (const token of [opened.accessToken, opened.refreshToken]) {
        expect(await tableText('connections')).not.toContain(token);
        expect(await tableText('oauth_states')).not.toContain(token);
        expect(everything).not.toContain(token);
      }
    });

    test('the PKCE verifier is stored encrypted too', async () => {
      const w = await newTenant(s.ds());
      const started = (await s.flow.start(w.userA, w.locA, 'GOOGLE')).data!.startConnection;
      const challenge = new URL(started.authorizationUrl).searchParams.get('code_challenge')!;
      const [row] = await s.ds().query(`SELECT code_verifier FROM oauth_states WHERE nonce = $1`, [(jwt.decode(started.state) as { n: string }).n]);
      const verifier = cipher.decrypt(row.code_verifier, verifierBinding((jwt.decode(started.state) as { n: string }).n));
      expect(createHash('sha256').update(verifier).digest('base64url')).toBe(challenge);
      expect(await tableText('oauth_states')).not.toContain(verifier);
    });
  });

  describe('GET /oauth/{provider}/callback', () => {
    const callbackBase = (provider: Provider) => `${s.t.url.replace(/\/graphql$/, '')}/oauth/${provider.toLowerCase()}/callback`;
    /** The provider's redirect, sent to this server (PUBLIC_URL follows the bound port here). */
    const onServer = (redirect: string, provider: Provider) => {
      const u = new URL(redirect);
      expect(`${u.origin}${u.pathname}`).toBe(`${s.t.app.config.PUBLIC_URL}/oauth/${provider.toLowerCase()}/callback`);
      return `${callbackBase(provider)}${u.search}`;
    };

    test.each<Provider>(['OUTLOOK', 'GOOGLE'])("%s: the user's own account (same email): the page shows the connected account and its calendars", async (provider) => {
      const w = await newTenant(s.ds());
      const own = await emailOf(s.ds(), w.userA);
      let hint: string;
      if (provider === 'OUTLOOK') {
        const a = s.emu.microsoft.addAccount({ email: own, calendars: ['Team <Sales> & Co'] });
        hint = a.userPrincipalName;
      } else {
        hint = s.emu.google.addAccount({ email: own, calendars: [{ summary: 'Team <Sales> & Co' }, { summary: 'Holidays', accessRole: 'reader' }] }).email;
      }
      const a = await s.flow.authorize(w.userA, w.locA, provider, hint);
      const page = await httpGet(onServer(a.callbackUrl, provider));
      expect(page.status).toBe(200);
      expect(page.body).toContain(`Connected ${hint}`);
      expect(page.body).toContain('<ul id="calendars">');
      // Names are escaped.
      expect(page.body).toContain('Team &lt;Sales&gt; &amp; Co');
      expect(page.body).not.toContain('<Sales>');
      if (provider === 'GOOGLE') {
        expect(page.body).toContain(`${hint} <small>(default)</small>`);
        expect(page.body).toContain('Holidays <small>(read-only)</small>');
      } else {
        expect(page.body).toContain('Calendar <small>(default)</small>');
      }
      const [conn] = await s.ds().query(`SELECT id, user_id, location_id, provider, status FROM connections WHERE user_id = $1`, [w.userA]);
      expect(conn).toMatchObject({ user_id: w.userA, location_id: w.locA, provider, status: 'ACTIVE' });
      // The state was spent by the page.
      expect(codeOf(await s.flow.complete(w.userA, a.state, a.code))).toBe('OAUTH_STATE_INVALID');
    });

    test.each<Provider>(['OUTLOOK', 'GOOGLE'])('%s: access denied at the provider → a clear message, nothing stored, and the state is spent', async (provider) => {
      const w = await newTenant(s.ds());
      const hint = provider === 'OUTLOOK' ? s.emu.microsoft.addAccount({ email: uniqueEmail('deny', 'contoso-deny.test') }).userPrincipalName : s.emu.google.addAccount({ email: uniqueEmail('deny', 'gmail.test') }).email;
      const started = (await s.flow.start(w.userA, w.locA, provider, hint)).data!.startConnection;
      // The user cancels on the consent page; the provider redirects with error=access_denied.
      const denied = await s.flow.deny(provider, started.authorizationUrl);
      const q = new URL(denied).searchParams;
      expect(q.get('error')).toBe('access_denied');
      expect(q.get('state')).toBe(started.state);
      // A code obtained for the same attempt (e.g. a second tab) is useless afterwards.
      const code = (await s.flow.follow(started.authorizationUrl)).code;

      const page = await httpGet(onServer(denied, provider));
      expect(page.status).toBe(400);
      expect(page.body).toContain('calendar not connected');
      expect(page.body).toContain('You cancelled, or did not allow calbridge to access your');
      expect(page.body).toContain('Nothing was saved');

      for (const table of ['connections', 'provider_accounts', 'calendar_configurations']) {
        expect(await scalar(s.ds(), `SELECT count(*) FROM ${table} WHERE user_id = $1`, [w.userA])).toBe(0);
      }
      expect(await scalar(s.ds(), `SELECT count(*) FROM oauth_states WHERE user_id = $1 AND used_at IS NULL`, [w.userA])).toBe(0);
      expect(codeOf(await s.flow.complete(w.userA, started.state, code))).toBe('OAUTH_STATE_INVALID');
    });

    test('another provider error is shown with its description; a forged or mismatched state shows an error page and stores nothing', async () => {
      const w = await newTenant(s.ds());
      const other = await httpGet(`${callbackBase('OUTLOOK')}?error=server_error&error_description=${encodeURIComponent('AADSTS50000: <b>boom</b>')}`);
      expect(other.status).toBe(400);
      expect(other.body).toContain('Outlook answered: AADSTS50000: &lt;b&gt;boom&lt;/b&gt;.');

      const forged = await httpGet(`${callbackBase('GOOGLE')}?code=abc&state=not-a-state`);
      expect(forged.status).toBe(400);
      expect(forged.body).toContain('<p id="error">This connection attempt is no longer valid');

      // A Google state at the Outlook callback.
      const hint = s.emu.google.addAccount({ email: uniqueEmail('mix', 'gmail.test') }).email;
      const a = await s.flow.authorize(w.userA, w.locA, 'GOOGLE', hint);
      const mismatched = await httpGet(`${callbackBase('OUTLOOK')}?code=${encodeURIComponent(a.code)}&state=${encodeURIComponent(a.state)}`);
      expect(mismatched.status).toBe(400);
      expect(mismatched.body).toContain('issued for another provider');
      expect(await scalar(s.ds(), `SELECT count(*) FROM connections WHERE user_id = $1`, [w.userA])).toBe(0);
      // Missing parameters.
      expect((await httpGet(callbackBase('GOOGLE'))).status).toBe(400);
    });

    test('the page is gated like completeConnection (location switch off) and stores nothing', async () => {
      const w = await newTenant(s.ds());
      const hint = s.emu.google.addAccount({ email: uniqueEmail('gated', 'gmail.test') }).email;
      const a = await s.flow.authorize(w.userA, w.locA, 'GOOGLE', hint);
      expect((await s.t.gql(SetLocationFeatureDocument, { locationId: w.locA, feature: 'GOOGLE_CALENDAR', enabled: false }, s.t.tokenFor(w.agencyAdmin))).errors).toBeUndefined();
      const page = await httpGet(onServer(a.callbackUrl, 'GOOGLE'));
      expect(page.status).toBe(400);
      expect(page.body).toContain('Google Calendar Integration is not enabled for your account. Please contact the administrator.');
      expect(await scalar(s.ds(), `SELECT count(*) FROM connections WHERE user_id = $1`, [w.userA])).toBe(0);
    });

    test('repeated query parameters are refused cleanly, not with a server error', async () => {
      const w = await newTenant(s.ds());
      const hint = s.emu.google.addAccount({ email: uniqueEmail('twice', 'gmail.test') }).email;
      const a = await s.flow.authorize(w.userA, w.locA, 'GOOGLE', hint);
      const code = encodeURIComponent(a.code);
      const state = encodeURIComponent(a.state);
      for (const query of [`code=${code}&code=${code}&state=${state}`, `code=${code}&state=${state}&state=${state}`]) {
        const page = await httpGet(`${callbackBase('GOOGLE')}?${query}`);
        expect(page.status).toBe(400);
        expect(page.body).toContain('calendar not connected');
      }
      expect(await scalar(s.ds(), `SELECT count(*) FROM connections WHERE user_id = $1`, [w.userA])).toBe(0);
    });

    test('a rule of the feature (account held by another user) is shown on the page', async () => {
      const w = await newTenant(s.ds());
      // userA connected it first; its email is userA2's, so userA2's callback completes without a question and meets the rule.
      const hint = s.emu.google.addAccount({ email: await emailOf(s.ds(), w.userA2) }).email;
      await s.flow.connected(w.userA, w.locA, 'GOOGLE', hint);
      const a = await s.flow.authorize(w.userA2, w.locA, 'GOOGLE', hint);
      const page = await httpGet(onServer(a.callbackUrl, 'GOOGLE'));
      expect(page.status).toBe(400);
      expect(page.body).toContain(`The Google account ${hint} is already connected by another user.`);
      expect(await scalar(s.ds(), `SELECT count(*) FROM connections WHERE user_id = $1`, [w.userA2])).toBe(0);
    });
  });
});
