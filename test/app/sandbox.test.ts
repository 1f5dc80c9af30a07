import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from '../../src/app/config/config';
import { ProviderSandbox, startProviderSandbox } from '../../src/app/sandbox/provider-sandbox';
import { ConnectionsDocument, Provider, ResyncConnectionDocument, StartConnectionDocument } from '../generated/graphql';
import { httpGet } from '../support/connect-flow';
import { buildWorld, World } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

// Sandbox mode: no provider credentials → both emulators in-process, one account per user email,
// and the whole connect walk works offline. Their addresses and state live in the data folder,
// so a restart on the same folder changes nothing a user can see.
describe('sandbox mode', () => {
  let dataDir: string;
  let dbUrl: string;
  let sandbox: ProviderSandbox;
  let t: TestApp;
  let w: World;
  let emailA: string;
  let emailB: string;

  /** What `npm start` does in sandbox mode: the emulators on DATA_DIR, then the service pointed at them. */
  async function start(): Promise<void> {
    sandbox = (await startProviderSandbox(parseEnv({ DATA_DIR: dataDir }), [emailA, emailB]))!;
    const caFile = join(dataDir, 'ca.pem');
    writeFileSync(caFile, sandbox.caPem!);
    t = await startTestApp({ ...(sandbox.env as Record<string, string>), PROVIDER_CA_FILE: caFile }, dbUrl);
  }

  async function stop(): Promise<void> {
    await t?.stop();
    await sandbox?.close();
  }

  beforeAll(async () => {
    // The users exist before the sandbox starts, as in `npm start` (seed first, then emulators).
    const probe = await startTestApp();
    w = await buildWorld(probe.app.ds);
    const emails: Array<{ id: string; email: string }> = await probe.app.ds.query(`SELECT id, email FROM users WHERE id = ANY($1)`, [[w.accountUserA, w.accountUserB]]);
    emailA = emails.find((e) => e.id === w.accountUserA)!.email;
    emailB = emails.find((e) => e.id === w.accountUserB)!.email;
    dbUrl = probe.app.config.DATABASE_URL!;
    await probe.stop();
    dataDir = mkdtempSync(join(tmpdir(), 'calbridge-sandbox-'));
    await start();
  });

  afterAll(async () => {
    await stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The browser part: the authorization URL (login_hint: no click) → the service's callback page. */
  async function connectThroughCallback(userId: string, locationId: string, provider: Provider, email: string) {
    const started = await t.gql(StartConnectionDocument, { locationId, provider, loginHint: email }, t.tokenFor(userId));
    expect(started.errors).toBeUndefined();
    const consent = await httpGet(started.data!.startConnection.authorizationUrl, sandbox.caPem!);
    expect(consent.status).toBe(302);
    return httpGet(consent.location!);
  }

  it('announces both emulators when no provider credentials are configured', () => {
    expect(sandbox.lines.join('\n')).toMatch(/Microsoft emulator https:\/\/127\.0\.0\.1:\d+/);
    expect(sandbox.lines.join('\n')).toMatch(/Google emulator http:\/\/127\.0\.0\.1:\d+/);
  });

  it('is not started when both providers have credentials', async () => {
    expect(await startProviderSandbox(parseEnv({ MICROSOFT_CLIENT_ID: 'a', GOOGLE_CLIENT_ID: 'b' }), [])).toBeNull();
  });

  it.each(['GOOGLE', 'OUTLOOK'] as const)('connects the user\'s own %s sandbox account through the callback page', async (provider) => {
    const page = await connectThroughCallback(w.accountUserA, w.locA, provider, emailA);
    expect(page.body).toContain(`Connected ${emailA}`);
    const [{ n }] = await t.app.ds.query(`SELECT count(*)::int AS n FROM connections WHERE user_id = $1 AND provider = $2`, [w.accountUserA, provider]);
    expect(n).toBe(1);
  });

  it.each(['GOOGLE', 'OUTLOOK'] as const)('offers the user\'s own %s account first on the consent page, the test accounts below it', async (provider) => {
    // No loginHint: the page is shown, as to a person walking the flow by hand
    const started = await t.gql(StartConnectionDocument, { locationId: w.locA, provider }, t.tokenFor(w.accountUserA));
    const page = await httpGet(started.data!.startConnection.authorizationUrl, sandbox.caPem!);
    expect(page.status).toBe(200);
    const html = page.body;
    const heading = html.indexOf('Other test accounts, for trying the error cases');
    expect(heading).toBeGreaterThan(0);
    // Every choice in page order: the user's own account first, then (under the heading) everyone else
    const choices = [...html.matchAll(provider === 'OUTLOOK' ? /data-account="([^"]+)"/g : /name="account" value="([^"]+)"/g)];
    expect(choices[0][1]).toBe(emailA);
    expect(choices[0].index).toBeLessThan(heading);
    expect(choices.slice(1).every((m) => m.index! > heading)).toBe(true);
    expect(choices.map((m) => m[1])).toContain(emailB);
    if (provider === 'OUTLOOK') {
      expect(html).toMatch(new RegExp(`<h1>Signing in as ${emailA.replace(/[.+]/g, '\\$&')}</h1>`));
      // The built-in test accounts say what they are for
      expect(html).toMatch(/pat\.onprem@fabrikam\.com&gt; <small>on-premises Exchange mailbox/);
      expect(html).toMatch(/sam\.taylor@outlook\.com&gt; <small>personal Microsoft account/);
      expect(html).toMatch(/alex\.wilber@contoso\.com&gt; <small>work account with a calendar shared by Megan Bowen/);
    } else {
      // Only the user's own account is chosen, so Accept connects it
      expect([...html.matchAll(/value="([^"]+)" required checked/g)].map((m) => m[1])).toEqual([emailA]);
    }
  });

  describe('restarting on the same data folder', () => {
    const list = async () => (await t.gql(ConnectionsDocument, { locationId: w.locB }, t.tokenFor(w.accountUserB))).data!.connections;
    const resyncAll = async () => {
      const out = [];
      for (const c of await list()) out.push(await t.gql(ResyncConnectionDocument, { connectionId: c.id }, t.tokenFor(w.accountUserB)));
      return out;
    };

    it('keeps the emulators\' addresses and every connection ACTIVE: resync works for Google and Outlook', async () => {
      for (const provider of ['GOOGLE', 'OUTLOOK'] as const) expect((await connectThroughCallback(w.accountUserB, w.locB, provider, emailB)).body).toContain(`Connected ${emailB}`);
      await t.app.whenIdle();
      // When they last synced moves on with every sync; everything else must stay.
      const stable = (conns: Array<{ lastSyncedAt?: unknown }>) => conns.map(({ lastSyncedAt, ...c }) => ({ ...c, synced: lastSyncedAt !== null }));
      const before = await list();
      expect(before.map((c) => [c.provider, c.status])).toEqual([['GOOGLE', 'ACTIVE'], ['OUTLOOK', 'ACTIVE']]);
      const envBefore = sandbox.env;

      await stop();
      await start();

      // Same addresses, so the URLs calbridge was started with last time are still right.
      expect(sandbox.env).toEqual(envBefore);
      for (const r of await resyncAll()) {
        expect(r.errors).toBeUndefined();
        expect(r.data!.resyncConnection).toMatchObject({ status: 'ACTIVE', lastError: null });
      }
      // Nothing a user can see changed: same connections, same calendars (same ids).
      await t.app.whenIdle();
      expect(stable(await list())).toEqual(stable(before));
    });

    it('still refreshes after a restart that had to move the emulators to new ports', async () => {
      expect((await list()).length).toBe(2);
      const envBefore = sandbox.env;
      await stop();
      // Another program took both ports meanwhile.
      const squatters: Server[] = [];
      for (const url of [envBefore.MICROSOFT_AUTHORITY!, envBefore.GOOGLE_TOKEN_URL!]) {
        const s = createServer();
        await new Promise<void>((resolve) => s.listen(Number(new URL(url).port), '127.0.0.1', resolve));
        squatters.push(s);
      }
      try {
        await start();
      } finally {
        await Promise.all(squatters.map((s) => new Promise((r) => s.close(r))));
      }
      expect(sandbox.env.MICROSOFT_AUTHORITY).not.toBe(envBefore.MICROSOFT_AUTHORITY);
      expect(sandbox.env.GOOGLE_API_URL).not.toBe(envBefore.GOOGLE_API_URL);

      // The access tokens ran out: the stored refresh tokens must still work against the moved emulators.
      const ms = new URL(sandbox.env.MICROSOFT_AUTHORITY!).origin;
      expect((await httpGet(`${ms}/_control/accounts/${encodeURIComponent(emailB)}/expire-access-tokens`, sandbox.caPem!, {})).status).toBeLessThan(300);
      expect((await httpGet(`${sandbox.env.GOOGLE_API_URL}_control/accounts/${encodeURIComponent(emailB)}/expire-access-tokens`, undefined, {})).status).toBeLessThan(300);
      for (const r of await resyncAll()) {
        expect(r.errors).toBeUndefined();
        expect(r.data!.resyncConnection).toMatchObject({ status: 'ACTIVE', lastError: null });
      }
    });
  });
});
