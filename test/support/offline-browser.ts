import { existsSync } from 'node:fs';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';

// Debian's Chromium driven by playwright-core; the test is skipped without it, unless REQUIRE_BROWSER=1 (CI).
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const chromiumAvailable = existsSync(CHROMIUM);
if (!chromiumAvailable && process.env.REQUIRE_BROWSER === '1') throw new Error(`REQUIRE_BROWSER=1 but no Chromium at ${CHROMIUM} (apt-get install chromium)`);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface OfflinePage {
  context: BrowserContext;
  page: Page;
  /** Requests the page tried to send beyond this machine (each one failed as if offline). */
  blocked: string[];
  /** Content-Security-Policy violations and uncaught script errors the page reported. */
  problems: string[];
}

/** A page that can reach 127.0.0.1 and localhost only: every other request fails as with no internet. */
export async function offlinePage(browser: Browser): Promise<OfflinePage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const blocked: string[] = [];
  const problems: string[] = [];
  await context.route('**/*', (route) => {
    const { hostname } = new URL(route.request().url());
    if (hostname === '127.0.0.1' || hostname === 'localhost') return route.continue();
    blocked.push(route.request().url());
    return route.abort('internetdisconnected');
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  return { context, page, blocked, problems };
}
