import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, Browser } from 'playwright-core';
import { GoogleEmulator, startGoogleEmulator } from '../../emulators/google';
import { MicrosoftEmulator, startMicrosoftEmulator } from '../../emulators/microsoft';
import { StartConnectionDocument } from '../generated/graphql';
import { buildWorld, World } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

// A person connecting their calendar in a real browser: authorizationUrl → the emulator's consent page
// → Accept → the service's callback page showing the connected account (or, for an account that is not the
// user's own, a confirmation page first). Screenshots go to test-artifacts/.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) {
  if (process.env.REQUIRE_BROWSER === '1') throw new Error(`REQUIRE_BROWSER=1 but no Chromium at ${CHROMIUM} (apt-get install chromium)`);
  console.warn(`\n*** BROWSER TEST SKIPPED: no Chromium at ${CHROMIUM}. Install Debian's chromium (or set CHROMIUM_PATH) to run it. ***\n`);
}
const describeBrowser = available ? describe : describe.skip;

describeBrowser('connecting a calendar in a browser', () => {
  let t: TestApp;
  let w: World;
  let ms: MicrosoftEmulator;
  let google: GoogleEmulator;
  let browser: Browser;
  let email: string;
  const artifacts = join(__dirname, '../../test-artifacts');

  beforeAll(async () => {
    [ms, google] = await Promise.all([startMicrosoftEmulator({ seedDemo: false }), startGoogleEmulator()]);
    const caFile = join(mkdtempSync(join(tmpdir(), 'calbridge-ca-')), 'ca.pem');
    writeFileSync(caFile, ms.caPem);
    t = await startTestApp({
      MICROSOFT_CLIENT_ID: 'browser-test', MICROSOFT_CLIENT_SECRET: 'secret', MICROSOFT_AUTHORITY: ms.authority, MICROSOFT_GRAPH_URL: ms.graphUrl, PROVIDER_CA_FILE: caFile,
      GOOGLE_CLIENT_ID: 'browser-test', GOOGLE_CLIENT_SECRET: 'secret', GOOGLE_AUTH_URL: google.authUrl, GOOGLE_TOKEN_URL: google.tokenUrl, GOOGLE_API_URL: google.apiUrl,
    });
    w = await buildWorld(t.app.ds);
    [{ email }] = await t.app.ds.query(`SELECT email FROM users WHERE id = $1`, [w.accountUserA]);
    // A decoy account first, so the test has to pick the right one on the consent page.
    google.addAccount({ email: `decoy.${email}` });
    google.addAccount({ email, name: 'Browser User' });
    ms.addAccount({ email: `decoy.${email}` });
    ms.addAccount({ email, displayName: 'Browser User' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    mkdirSync(artifacts, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    await Promise.all([ms?.close(), google?.close()]);
  });

  it('connects a Google account by clicking Accept on the consent page', async () => {
    const started = await t.gql(StartConnectionDocument, { locationId: w.locA, provider: 'GOOGLE' }, t.tokenFor(w.accountUserA));
    const page = await (await browser.newContext()).newPage();
    await page.goto(started.data!.startConnection.authorizationUrl);
    await page.check(`input[name="account"][value="${email}"]`);
    await page.click('#accept');
    await page.waitForURL(/\/oauth\/google\/callback/);
    await page.screenshot({ path: join(artifacts, 'connect-google.png'), fullPage: true });
    expect(await page.textContent('h1')).toBe(`Connected ${email}`);
    expect(await page.locator('#calendars li').count()).toBeGreaterThan(0);
  });

  it('connects an Outlook account by clicking Accept on the Microsoft consent page', async () => {
    const started = await t.gql(StartConnectionDocument, { locationId: w.locA, provider: 'OUTLOOK' }, t.tokenFor(w.accountUserA));
    // The emulator's test CA is not in Chromium's store; the service itself trusts it through PROVIDER_CA_FILE.
    const page = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage();
    await page.goto(started.data!.startConnection.authorizationUrl);
    await page.click(`button[data-account="${email}"]`);
    await page.waitForURL(/\/oauth\/outlook\/callback/);
    await page.screenshot({ path: join(artifacts, 'connect-outlook.png'), fullPage: true });
    expect(await page.textContent('h1')).toBe(`Connected ${email}`);
  });

  it('shows a clear message and stores nothing when the user cancels', async () => {
    const started = await t.gql(StartConnectionDocument, { locationId: w.locB, provider: 'GOOGLE' }, t.tokenFor(w.accountUserB));
    const page = await (await browser.newContext()).newPage();
    await page.goto(started.data!.startConnection.authorizationUrl);
    await page.click('#cancel');
    await page.waitForURL(/\/oauth\/google\/callback/);
    await page.screenshot({ path: join(artifacts, 'connect-cancelled.png'), fullPage: true });
    expect(await page.textContent('h1')).toContain('not connected');
    expect(await page.textContent('body')).toContain('Nothing was saved');
    const [{ n }] = await t.app.ds.query(`SELECT count(*)::int AS n FROM connections WHERE user_id = $1`, [w.accountUserB]);
    expect(n).toBe(0);
  });

  it("asks before connecting an account that is not the user's own, and connects when confirmed", async () => {
    // Sam starts in Downtown Clinic; whoever opens the link signs in with another account (the decoy).
    await t.app.ds.query(`UPDATE users SET name = 'Sam Lee' WHERE id = $1`, [w.accountUserB]);
    await t.app.ds.query(`UPDATE locations SET name = 'Downtown Clinic' WHERE id = $1`, [w.locB]);
    const started = await t.gql(StartConnectionDocument, { locationId: w.locB, provider: 'GOOGLE' }, t.tokenFor(w.accountUserB));
    const page = await (await browser.newContext()).newPage();
    await page.goto(started.data!.startConnection.authorizationUrl);
    await page.check(`input[name="account"][value="decoy.${email}"]`);
    await page.click('#accept');
    await page.waitForURL(/\/oauth\/google\/callback/);
    await page.screenshot({ path: join(artifacts, 'connect-confirm.png'), fullPage: true });
    expect(await page.textContent('h1')).toBe(`Connect decoy.${email} to Sam Lee's calendar settings at Downtown Clinic?`);
    const count = async () => (await t.app.ds.query(`SELECT count(*)::int AS n FROM connections WHERE user_id = $1`, [w.accountUserB]))[0].n;
    expect(await count()).toBe(0);

    // The real browser's form POST (Origin "null" under no-referrer, Sec-Fetch-Site same-origin, CSP form-action 'self').
    await page.click('#confirm');
    await page.waitForURL(/\/oauth\/google\/confirm/);
    await page.screenshot({ path: join(artifacts, 'connect-confirmed.png'), fullPage: true });
    expect(await page.textContent('h1')).toBe(`Connected decoy.${email}`);
    expect(await count()).toBe(1);
  });
});
