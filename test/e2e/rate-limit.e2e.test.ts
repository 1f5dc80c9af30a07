import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { Client } from 'graphql-ws';
import { buildWorld, World } from '../support/fixtures';
import { codeOf, GqlResult, startTestApp, TestApp } from '../support/test-app';
import { wsClient } from '../support/ws-client';

// Small limits: 10 requests at once, 1 per second on average, i.e. a window of 10 s that starts with a caller's first
// request. Each test spends its callers' whole burst well within that window, without waiting for anything.
const BURST = 10;
const LIMITS = { RATE_LIMIT_RPS: '1', RATE_LIMIT_BURST: String(BURST) };
const QUERY = '{ viewer { id } }';

interface Answer {
  status: number;
  retryAfter: string | null;
  json: GqlResult<unknown>;
}

/** POST /graphql from a chosen local address (127.0.0.x all reach the server on 127.0.0.1). */
function post(url: string, token: string | null, localAddress = '127.0.0.1'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ query: QUERY });
    const req = request(
      url,
      { method: 'POST', localAddress, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) } },
      (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, retryAfter: (res.headers['retry-after'] as string | undefined) ?? null, json: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends requests one after the other until one is refused; returns how many were served, and the refusal. */
async function untilRefused(send: () => Promise<Answer>, max = 3 * BURST): Promise<{ served: number; refused: Answer }> {
  for (let served = 0; served < max; served++) {
    const a = await send();
    if (a.status === 429) return { served, refused: a };
    expect(a.status).toBe(200);
  }
  throw new Error(`no request refused after ${max}`);
}

function overWs(client: Client, query: string): Promise<GqlResult<unknown>> {
  return new Promise((resolve) => {
    client.subscribe({ query }, { next: (r) => resolve(r as GqlResult<unknown>), error: (e) => resolve({ errors: e as GqlResult<unknown>['errors'] }), complete: () => {} });
  });
}

function expectRateLimited(a: Answer): void {
  expect(a.status).toBe(429);
  expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1);
  expect(Number(a.retryAfter)).toBeLessThanOrEqual(10);
  expect(codeOf(a.json)).toBe('RATE_LIMITED');
  expect(a.json.errors?.[0].message).toBe(`Too many requests: try again in ${a.retryAfter} s`);
  expect(a.json.errors?.[0].extensions?.retryAfterSeconds).toBe(Number(a.retryAfter));
}

describe('rate limits (in memory)', () => {
  let t: TestApp;
  let w: World;

  beforeAll(async () => {
    t = await startTestApp(LIMITS);
    w = await buildWorld(t.app.ds);
  });
  afterAll(() => t.stop());

  test('a user over the limit gets 429 with Retry-After and RATE_LIMITED; another user is unaffected', async () => {
    const { served, refused } = await untilRefused(() => post(t.url, t.tokenFor(w.accountUserA)));
    expect(served).toBe(BURST);
    expectRateLimited(refused);
    const other = await post(t.url, t.tokenFor(w.accountUserB));
    expect(other.status).toBe(200);
    expect(other.json.data).toEqual({ viewer: { id: w.accountUserB } });
  });

  test('without a token the limit is per client address; a forged token counts as none', async () => {
    const forged = t.tokenFor(w.accountAdminA).slice(0, -2) + 'xx';
    const { served, refused } = await untilRefused(() => post(t.url, forged, '127.0.0.2'));
    expect(served).toBe(BURST);
    expectRateLimited(refused);
    expectRateLimited(await post(t.url, null, '127.0.0.2'));
    // Another address, and a signed-in user on the same address, are served.
    expect((await post(t.url, null, '127.0.0.3')).status).toBe(200);
    expect((await post(t.url, t.tokenFor(w.agencyAdmin), '127.0.0.2')).status).toBe(200);
  });

  test('graphql-ws operations count against the same limit: one over it gets a RATE_LIMITED error', async () => {
    const client = wsClient(t.wsUrl, t.tokenFor(w.accountAdminA));
    try {
      for (let i = 0; i < BURST - 1; i++) expect(await overWs(client, QUERY)).toEqual({ data: { viewer: { id: w.accountAdminA } } });
      // The last one of the burst over HTTP, then the next one over the socket.
      expect((await post(t.url, t.tokenFor(w.accountAdminA))).status).toBe(200);
      const refused = await overWs(client, QUERY);
      expect(codeOf(refused)).toBe('RATE_LIMITED');
      expect(refused.errors?.[0].extensions?.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expectRateLimited(await post(t.url, t.tokenFor(w.accountAdminA)));
    } finally {
      await client.dispose();
    }
  });
});

describe('rate limits in Redis (REDIS_URL)', () => {
  let a: TestApp;
  let b: TestApp;
  let w: World;

  beforeAll(async () => {
    // Two instances on one database and one Redis; a key prefix of their own keeps parallel runs apart.
    const env = { ...LIMITS, REDIS_URL: 'redis://127.0.0.1:6379', RATE_LIMIT_KEY_PREFIX: `test:${randomUUID()}` };
    a = await startTestApp(env);
    b = await startTestApp(env, a.app.config.DATABASE_URL);
    w = await buildWorld(a.app.ds);
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  test('the limit holds across instances', async () => {
    let turn = 0;
    const token = a.tokenFor(w.accountUserA);
    // Alternating instances: with a limit per instance, 2 × BURST would be served.
    const { served, refused } = await untilRefused(() => post((turn++ % 2 ? b : a).url, token));
    expect(served).toBe(BURST);
    expectRateLimited(refused);
    expect((await post(b.url, a.tokenFor(w.accountUserB))).status).toBe(200);
  });
});
