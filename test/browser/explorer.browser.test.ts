import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, Locator, Page } from 'playwright-core';
import { ResyncConnectionDocument } from '../generated/graphql';
import { ConnectFlow, Emulators, startEmulators } from '../support/connect-flow';
import { buildWorld, World } from '../support/fixtures';
import { chromiumAvailable, CHROMIUM, launchChromium, offlinePage, OfflinePage } from '../support/offline-browser';
import { startTestApp, TestApp } from '../support/test-app';

// A newcomer with no internet opens the explorer the service serves itself (Altair), pastes a token and
// runs a query, a mutation and a subscription. Nothing may be fetched from beyond 127.0.0.1.
// Screenshots go to test-artifacts/.
if (!chromiumAvailable) console.warn(`\n*** BROWSER TEST SKIPPED: no Chromium at ${CHROMIUM}. Install Debian's chromium (or set CHROMIUM_PATH) to run it. ***\n`);
const describeBrowser = chromiumAvailable ? describe : describe.skip;

describeBrowser('the offline explorer in a browser', () => {
  let t: TestApp;
  let w: World;
  let emu: Emulators;
  let browser: Browser;
  let email: string;
  let explorerUrl: string;
  /** One explorer page for the tests below, opened offline with a demo user's token. */
  let explorer: OfflinePage;
  let page: Page;
  const artifacts = join(__dirname, '../../test-artifacts');

  /** Opens the explorer and sets the environment's token, as the page's own instructions say. */
  async function openWithToken(target: Page, token: string): Promise<void> {
    await target.goto(explorerUrl);
    await target.locator('app-header').getByText('No environment').click();
    await target.locator('.environments-dropdown__list').getByText('Environments...').click();
    await target.locator('.environments-editor-textarea .cm-content').click();
    await target.keyboard.press('Control+A');
    await target.keyboard.insertText(JSON.stringify({ token }));
    await target.locator('[track-id=save_environments]').click();
    await target.keyboard.press('Escape');
  }

  beforeAll(async () => {
    emu = await startEmulators();
    t = await startTestApp(emu.env);
    w = await buildWorld(t.app.ds);
    [{ email }] = await t.app.ds.query(`SELECT email FROM users WHERE id = $1`, [w.accountUserA]);
    explorerUrl = t.url.replace(/\/graphql$/, '/explorer');
    browser = await launchChromium();
    mkdirSync(artifacts, { recursive: true });
    explorer = await offlinePage(browser);
    page = explorer.page;
    await openWithToken(page, t.tokenFor(w.accountUserA));
  }, 60000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    await emu?.close();
  });

  afterEach(() => {
    // Whatever the test did, the explorer needed nothing beyond this machine and broke no policy.
    expect(explorer.blocked).toEqual([]);
    expect(explorer.problems).toEqual([]);
  });

  async function setQuery(text: string): Promise<void> {
    await page.locator('app-query-editor .cm-content').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(text);
  }

  const result = () => page.locator('app-query-result');
  const shows = (locator: Locator) => locator.first().waitFor({ state: 'visible', timeout: 15000 });

  it('offline, the Apollo landing page says Sandbox cannot load and links to the explorer, which works', async () => {
    const { page: landing, blocked } = await offlinePage(browser);
    await landing.goto(t.url);
    await shows(landing.getByText('Apollo Sandbox cannot be loaded'));
    // The landing page does need the internet: proof that this browser really has none.
    expect(blocked.some((u) => u.startsWith('https://'))).toBe(true);
    const before = blocked.length;
    await landing.getByRole('link', { name: '/explorer' }).click({ timeout: 10000 });
    await landing.waitForURL(`${explorerUrl}/`);
    await shows(landing.locator('[track-id=set_request]'));
    await landing.screenshot({ path: join(artifacts, 'explorer-from-landing-page.png') });
    expect(blocked.slice(before)).toEqual([]);
    await landing.context().close();
  });

  it('runs { viewer { email } } with a demo token and shows the answer and the schema docs', async () => {
    // The schema docs come from introspection through the same endpoint.
    await page.locator('[track-id=show_docs]').click();
    const docs = page.locator('app-doc-viewer');
    await docs.getByText('Query', { exact: true }).click();
    await shows(docs.getByText('viewer', { exact: true }));
    // The page opens with the viewer query ready; only the token had to be given.
    await page.locator('[track-id=set_request]').click();
    await shows(result().getByText(`"email": "${email}"`));
    await page.screenshot({ path: join(artifacts, 'explorer-viewer.png') });
  });

  it('sends mutations with the bearer header', async () => {
    await setQuery(`mutation { startConnection(locationId: "${w.locA}", provider: GOOGLE) { authorizationUrl } }`);
    await page.locator('[track-id=set_request]').click();
    await shows(result().getByText('"authorizationUrl"'));
    expect(await result().innerText()).toContain(emu.google.authUrl);
  });

  it('receives subscription events over graphql-ws with the token in the connection parameters', async () => {
    emu.google.addAccount({ email });
    const connection = await new ConnectFlow(t, emu).connected(w.accountUserA, w.locA, 'GOOGLE', email);
    const socket = page.waitForEvent('websocket');
    await setQuery(`subscription { syncStatusChanged(locationId: "${w.locA}") { connection { accountEmail status } } }`);
    await page.locator('[track-id=set_request]').click();
    expect((await socket).url()).toBe(t.wsUrl);
    // graphql-ws does not acknowledge a subscription: resync (a real action that publishes) until the event shows.
    const shown = result().getByText('"syncStatusChanged"');
    for (let i = 0; i < 50 && !(await shown.count()); i++) {
      await t.gql(ResyncConnectionDocument, { connectionId: connection.id }, t.tokenFor(w.accountUserA));
      await shown.first().waitFor({ timeout: 250 }).catch(() => {});
    }
    await shows(shown);
    expect(await result().innerText()).toContain(`"accountEmail": "${email}"`);
    await page.screenshot({ path: join(artifacts, 'explorer-subscription.png') });
  });
});
