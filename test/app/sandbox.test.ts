import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from '../../src/app/config/config';
import { ProviderSandbox, startProviderSandbox } from '../../src/app/sandbox/provider-sandbox';
import { StartConnectionDocument } from '../generated/graphql';
import { httpGet } from '../support/connect-flow';
import { buildWorld, World } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

// Sandbox mode: no provider credentials → both emulators in-process, one account per user email,
// and the whole connect walk works offline.
describe('sandbox mode', () => {
  let sandbox: ProviderSandbox;
  let t: TestApp;
  let w: World;
  let email: string;

  beforeAll(async () => {
    // The users exist before the sandbox starts, as in `npm start` (seed first, then emulators).
    const probe = await startTestApp();
    w = await buildWorld(probe.app.ds);
    [{ email }] = await probe.app.ds.query(`SELECT email FROM users WHERE id = $1`, [w.accountUserA]);
    const dbUrl = probe.app.config.DATABASE_URL!;
    await probe.stop();

    sandbox = (await startProviderSandbox(parseEnv({}), [email]))!;
    const caFile = join(mkdtempSync(join(tmpdir(), 'calbridge-sandbox-')), 'ca.pem');
    writeFileSync(caFile, sandbox.caPem!);
    t = await startTestApp({ ...(sandbox.env as Record<string, string>), PROVIDER_CA_FILE: caFile }, dbUrl);
  });

  afterAll(async () => {
    await t?.stop();
    await sandbox?.close();
  });

  it('announces both emulators when no provider credentials are configured', () => {
    expect(sandbox.lines.join('\n')).toMatch(/Microsoft emulator https:\/\/127\.0\.0\.1:\d+/);
    expect(sandbox.lines.join('\n')).toMatch(/Google emulator http:\/\/127\.0\.0\.1:\d+/);
  });

  it('is not started when both providers have credentials', async () => {
    expect(await startProviderSandbox(parseEnv({ MICROSOFT_CLIENT_ID: 'a', GOOGLE_CLIENT_ID: 'b' }), [])).toBeNull();
  });

  it.each(['GOOGLE', 'OUTLOOK'] as const)('connects the user\'s own %s sandbox account through the callback page', async (provider) => {
    const started = await t.gql(StartConnectionDocument, { locationId: w.locA, provider, loginHint: email }, t.tokenFor(w.accountUserA));
    expect(started.errors).toBeUndefined();
    const consent = await httpGet(started.data!.startConnection.authorizationUrl, sandbox.caPem!);
    expect(consent.status).toBe(302);
    const page = await httpGet(consent.location!);
    expect(page.body).toContain(`Connected ${email}`);
    const [{ n }] = await t.app.ds.query(`SELECT count(*)::int AS n FROM connections WHERE user_id = $1 AND provider = $2`, [w.accountUserA, provider]);
    expect(n).toBe(1);
  });
});
