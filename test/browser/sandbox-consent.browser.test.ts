import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, Browser } from 'playwright-core';
import { parseEnv } from '../../src/app/config/config';
import { ProviderSandbox, startProviderSandbox } from '../../src/app/sandbox/provider-sandbox';
import { StartConnectionDocument } from '../generated/graphql';
import { buildWorld, World } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

// Sandbox mode walked in a browser: the consent page offers the signed-in CRM user's own account first,
// so the first Accept connects that account and not a built-in test account. Screenshots go to test-artifacts/.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) {
  if (process.env.REQUIRE_BROWSER === '1') throw new Error(`REQUIRE_BROWSER=1 but no Chromium at ${CHROMIUM} (apt-get install chromium)`);
  console.warn(`\n*** BROWSER TEST SKIPPED: no Chromium at ${CHROMIUM}. Install Debian's chromium (or set CHROMIUM_PATH) to run it. ***\n`);
}
const describeBrowser = available ? describe : describe.skip;

describeBrowser('sandbox consent pages in a browser', () => {
  let dataDir: string;
  let sandbox: ProviderSandbox;
  let t: TestApp;
  let w: World;
  let email: string;
  let browser: Browser;
  const artifacts = join(__dirname, '../../test-artifacts');

  beforeAll(async () => {
    // As `npm start` does: users first, then the sandbox with an account per user, then the service.
    const probe = await startTestApp();
    w = await buildWorld(probe.app.ds);
    const users: Array<{ id: string; email: string }> = await probe.app.ds.query(`SELECT id, email FROM users WHERE agency_id = $1 ORDER BY created_at`, [w.agencyId]);
    email = users.find((u) => u.id === w.accountUserA)!.email;
    const dbUrl = probe.app.config.DATABASE_URL!;
    await probe.stop();
    dataDir = mkdtempSync(join(tmpdir(), 'calbridge-sandbox-browser-'));
    sandbox = (await startProviderSandbox(parseEnv({ DATA_DIR: dataDir }), users.map((u) => u.email)))!;
    writeFileSync(join(dataDir, 'ca.pem'), sandbox.caPem!);
    t = await startTestApp({ ...(sandbox.env as Record<string, string>), PROVIDER_CA_FILE: join(dataDir, 'ca.pem') }, dbUrl);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    mkdirSync(artifacts, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    await sandbox?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('Microsoft: the user\'s own account comes first, the test accounts below; the first Accept connects the user', async () => {
    const started = await t.gql(StartConnectionDocument, { locationId: w.locA, provider: 'OUTLOOK' }, t.tokenFor(w.accountUserA));
    // The emulator's test CA is not in Chromium's store (the README says how to pass or trust it).
    const page = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage();
    await page.goto(started.data!.startConnection.authorizationUrl);
    await page.screenshot({ path: join(artifacts, 'sandbox-consent-outlook.png'), fullPage: true });
    expect(await page.textContent('h1')).toBe(`Signing in as ${email}`);
    expect(await page.textContent('#test-accounts-heading')).toBe('Other test accounts, for trying the error cases');
    expect(await page.locator('#test-accounts').textContent()).toContain('on-premises Exchange mailbox');
    await page.locator('button', { hasText: 'Accept' }).first().click();
    await page.waitForURL(/\/oauth\/outlook\/callback/);
    expect(await page.textContent('h1')).toBe(`Connected ${email}`);
  });

  it('Google: the user\'s own account comes first and is the one chosen; Accept connects it', async () => {
    const started = await t.gql(StartConnectionDocument, { locationId: w.locA, provider: 'GOOGLE' }, t.tokenFor(w.accountUserA));
    const page = await (await browser.newContext()).newPage();
    await page.goto(started.data!.startConnection.authorizationUrl);
    await page.screenshot({ path: join(artifacts, 'sandbox-consent-google.png'), fullPage: true });
    expect(await page.locator('input[name="account"]:checked').getAttribute('value')).toBe(email);
    expect(await page.locator('input[name="account"]').first().getAttribute('value')).toBe(email);
    await page.click('#accept');
    await page.waitForURL(/\/oauth\/google\/callback/);
    expect(await page.textContent('h1')).toBe(`Connected ${email}`);
  });
});
