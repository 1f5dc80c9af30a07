import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { credentialsBinding } from '../../src/connections/connection-tokens.service';
import { TokenCipher } from '../../src/connections/token-cipher';
import { Provider, ResyncConnectionDocument } from '../generated/graphql';
import { newTenant, scalar, uniqueEmail } from '../support/connect-flow';
import { useEmulatedService } from '../support/emulated-service';
import { TEST_TOKEN_KEY } from '../support/test-app';

// A refresh that the provider refuses never undoes a reconnect that stored new tokens meanwhile, and no
// database transaction stays open while the provider is asked. Legacy (v1) ciphertexts keep working.

describe('token refresh against concurrent reconnects', () => {
  const s = useEmulatedService();
  const cipher = new TokenCipher([TEST_TOKEN_KEY]);

  afterEach(() => {
    delete s.t.app.services.tokens.hooks.refreshRefused;
  });

  const resync = (viewer: string, connectionId: string) => s.t.gql(ResyncConnectionDocument, { connectionId }, s.t.tokenFor(viewer));
  const row = async (connectionId: string) => {
    const [r] = await s.ds().query(`SELECT status, last_error, credentials FROM connections WHERE id = $1`, [connectionId]);
    return { ...r, tokens: JSON.parse(cipher.decrypt(r.credentials, credentialsBinding(connectionId))) as { accessToken: string; refreshToken: string } };
  };
  const openTransactions = () =>
    scalar(s.ds(), `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`);

  test.each<Provider>(['GOOGLE', 'OUTLOOK'])(
    '%s: the provider refuses the old refresh token while a reconnect stores new tokens → the connection stays ACTIVE with the new tokens',
    async (provider) => {
      const w = await newTenant(s.ds());
      const account =
        provider === 'OUTLOOK'
          ? s.emu.microsoft.addAccount({ email: uniqueEmail('race', 'contoso-race.test') }).userPrincipalName
          : s.emu.google.addAccount({ email: uniqueEmail('race', 'gmail.test') }).email;
      const conn = await s.flow.connected(w.userA, w.locA, provider, account);
      await s.t.app.whenIdle();
      const before = await row(conn.id);

      // The user reset their password: the old refresh token is dead and the access token expired.
      const state = provider === 'OUTLOOK' ? s.emu.microsoft.state : s.emu.google.state;
      state.revokeGrants(account);
      state.expireAccessTokens(account);

      // The refresh read the old tokens and the provider refused them; before it records that, the user
      // reconnects the same account (new grant, new tokens, ACTIVE).
      const seen: Array<{ connectionId: string; openTransactions: number }> = [];
      s.t.app.services.tokens.hooks.refreshRefused = async (connectionId) => {
        if (seen.length) return;
        // Other jobs may be between two statements of a short transaction: wait until they are done; the
        // refresh, paused here with the provider's answer in hand, must not hold one itself.
        let open = await openTransactions();
        for (let i = 0; open > 0 && i < 100; i++) open = await openTransactions();
        seen.push({ connectionId, openTransactions: open });
        // Not connected(): that waits for the jobs, and this runs inside one.
        expect((await s.flow.connect(w.userA, w.locA, provider, account)).errors).toBeUndefined();
      };

      const r = await resync(w.userA, conn.id);
      await s.t.app.whenIdle();
      expect(seen).toEqual([{ connectionId: conn.id, openTransactions: 0 }]);
      // The refused refresh really happened at the provider.
      if (provider === 'OUTLOOK') {
        expect(s.emu.microsoft.requestLog.list({ method: 'POST', path: /oauth2\/v2\.0\/token$/, account }).some((e) => e.status === 400)).toBe(true);
      } else {
        expect(s.emu.google.requestLog.find('/token', 'POST').some((e) => e.account === account && e.status === 400)).toBe(true);
      }

      expect(r.errors).toBeUndefined();
      expect(r.data!.resyncConnection).toMatchObject({ id: conn.id, status: 'ACTIVE', lastError: null });
      await s.t.app.whenIdle();
      const after = await row(conn.id);
      expect(after).toMatchObject({ status: 'ACTIVE', last_error: null });
      expect(after.tokens.refreshToken).not.toBe(before.tokens.refreshToken);
      // The stored tokens are the reconnect's, live at the provider.
      if (provider === 'OUTLOOK') {
        expect(s.emu.microsoft.state.refreshTokens.get(after.tokens.refreshToken)?.revoked).toBeNull();
      } else {
        expect(s.emu.google.state.tokens.checkAccess(after.tokens.accessToken)).not.toBeNull();
      }
      // And they keep working.
      expect((await resync(w.userA, conn.id)).data?.resyncConnection.status).toBe('ACTIVE');
      await s.t.app.whenIdle();
      expect((await row(conn.id)).status).toBe('ACTIVE');
      expect((await s.ds().query(`SELECT refresh_lease FROM connections WHERE id = $1`, [conn.id]))[0].refresh_lease).toBeNull();
    },
  );

  test('without a reconnect, a refused refresh still marks NEEDS_REAUTH (the hook ran, nothing changed)', async () => {
    const w = await newTenant(s.ds());
    const account = s.emu.google.addAccount({ email: uniqueEmail('refused', 'gmail.test') }).email;
    const conn = await s.flow.connected(w.userA, w.locA, 'GOOGLE', account);
    await s.t.app.whenIdle();
    s.emu.google.state.revokeGrants(account);
    s.emu.google.state.expireAccessTokens(account);
    let refusals = 0;
    s.t.app.services.tokens.hooks.refreshRefused = async () => void refusals++;
    expect((await resync(w.userA, conn.id)).errors).toBeUndefined();
    await s.t.app.whenIdle();
    expect(refusals).toBe(1);
    expect((await resync(w.userA, conn.id)).errors?.[0].extensions?.code).toBe('CONNECTION_NEEDS_REAUTH');
    expect((await row(conn.id)).status).toBe('NEEDS_REAUTH');
  });

  test('a connection whose tokens were stored by the previous release (v1, unbound) still works, and is rewritten bound to its row', async () => {
    const w = await newTenant(s.ds());
    const account = s.emu.google.addAccount({ email: uniqueEmail('legacy', 'gmail.test') }).email;
    const conn = await s.flow.connected(w.userA, w.locA, 'GOOGLE', account);
    const current = await row(conn.id);
    const plain = cipher.decrypt(current.credentials, credentialsBinding(conn.id));
    // The previous release's format: v1.<keyId>.<iv>.<tag>.<ciphertext>, no additional data.
    const key = Buffer.from(TEST_TOKEN_KEY, 'base64');
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', key, iv);
    const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    const keyId = createHash('sha256').update(key).digest('hex').slice(0, 8);
    const legacy = ['v1', keyId, iv.toString('base64url'), c.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
    await s.ds().query(`UPDATE connections SET credentials = $2 WHERE id = $1`, [conn.id, legacy]);

    expect((await resync(w.userA, conn.id)).data?.resyncConnection.status).toBe('ACTIVE');
    await s.t.app.whenIdle();
    const upgraded = await row(conn.id);
    expect(upgraded.status).toBe('ACTIVE');
    expect(upgraded.credentials).toMatch(new RegExp(`^v2\\.${keyId}\\.`));
    expect(upgraded.tokens).toEqual(JSON.parse(plain));
  });
});
