import { request } from 'node:http';
import { startTestApp, TestApp } from '../support/test-app';

// The offline explorer over plain HTTP: served by the service itself, with its own CSP, only outside
// production; Apollo's landing page links to it. The browser test (test/browser) runs it for real.

/** GET with an explicit Host header (fetch does not let a caller set one). */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('offline explorer', () => {
  let t: TestApp;
  let base: string;

  beforeAll(async () => {
    t = await startTestApp();
    base = t.url.replace(/\/graphql$/, '');
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('serves Altair at /explorer/ pointed at this server over HTTP and graphql-ws, with no token in the page', async () => {
    const redirect = await get(`${base}/explorer`);
    expect(redirect.status).toBe(302);
    expect(redirect.headers.location).toBe('/explorer/');

    const page = await get(`${base}/explorer/`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const host = new URL(base).host;
    expect(page.body).toContain(`endpointURL: \`http://${host}/graphql\``);
    expect(page.body).toContain(`subscriptionsEndpoint: \`ws://${host}/graphql\``);
    expect(page.body).toContain(`initialSubscriptionRequestHandlerId: \`graphql-ws\``);
    expect(page.body).toContain('Bearer {{token}}');
    expect(page.body).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
  });

  it('gives the page its own CSP: scripts only from this origin or with the response nonce, requests only to this host', async () => {
    const a = await get(`${base}/explorer/`);
    const b = await get(`${base}/explorer/`);
    const csp = String(a.headers['content-security-policy']);
    const nonce = /'nonce-([^']+)'/.exec(csp)![1];
    expect(csp).toContain(`script-src 'self' 'nonce-${nonce}'`);
    expect(csp).toContain(`connect-src 'self' ws://${new URL(base).host}`);
    expect(csp).toContain(`object-src 'none'`);
    expect(csp).toContain(`frame-ancestors 'self'`);
    // The inline start-up script carries the nonce, and every response has a new one.
    expect(a.body).toContain(`<script type="module" nonce="${nonce}">`);
    expect(String(b.headers['content-security-policy'])).not.toContain(nonce);
    // No global policy: other pages are untouched by the explorer's.
    expect((await get(`${base}/healthz`)).headers['content-security-policy']).toBeUndefined();
  });

  it('serves the assets the page loads from the altair-static package, and sandboxes the script frame', async () => {
    const page = (await get(`${base}/explorer/`)).body;
    expect(page).toContain('<base href="/explorer/">');
    // Every asset the page names is relative to that base (no CDN) and is there.
    const assets = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]).filter((u) => u !== '/explorer/');
    expect(assets).toEqual(expect.arrayContaining(['main.js', 'polyfills.js', 'styles.css']));
    for (const asset of assets) {
      expect(asset).toMatch(/^[\w.-]+(\/[\w.-]+)*$/);
      expect([asset, (await get(`${base}/explorer/${asset}`)).status]).toEqual([asset, 200]);
    }
    const frame = await get(`${base}/explorer/iframe-sandbox/index.html`);
    expect(frame.status).toBe(200);
    expect(frame.headers['content-security-policy']).toBe('sandbox allow-scripts');
    expect((await get(`${base}/explorer/nope.js`)).status).toBe(404);
  });

  it('refuses a Host header that is not a host name, since the host is written into the page script', async () => {
    const res = await get(`${base}/explorer/`, { host: 'evil`${alert(1)}`' });
    expect(res.status).toBe(400);
    expect(res.body).not.toContain('alert');
  });

  it('links to the explorer from the Apollo landing page, in the text shown when Sandbox cannot load', async () => {
    const landing = await get(t.url, { accept: 'text/html' });
    expect(landing.status).toBe(200);
    const fallback = /<div class="fallback">([\s\S]*?)<\/div>/.exec(landing.body)![1];
    expect(fallback).toContain('cannot be loaded');
    expect(fallback).toContain('<a href="/explorer/">/explorer</a>');
  });

  it('is not served in production', async () => {
    const prod = await startTestApp({ NODE_ENV: 'production' }, t.app.config.DATABASE_URL);
    try {
      const prodBase = prod.url.replace(/\/graphql$/, '');
      expect((await get(`${prodBase}/explorer/`)).status).toBe(404);
      expect((await get(`${prodBase}/explorer/main.js`)).status).toBe(404);
    } finally {
      await prod.stop();
    }
  });
});
