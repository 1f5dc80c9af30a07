import { randomUUID } from 'node:crypto';
import { Client } from 'graphql-ws';
import WebSocket from 'ws';
import { ConflictsChangedDocument } from '../generated/graphql';
import { abusiveDocuments } from '../support/abusive-documents';
import { buildWorld, World } from '../support/fixtures';
import { codeOf, GqlResult, startTestApp, TestApp } from '../support/test-app';
import { subscribe, untilLive, wsClient } from '../support/ws-client';

const ID = '00000000-0000-4000-8000-000000000000';

/** One operation over graphql-ws, from a raw query string: its first result or its errors. */
function overWs(client: Client, query: string): Promise<GqlResult<unknown>> {
  return new Promise((resolve) => {
    const dispose = client.subscribe(
      { query },
      {
        next: (r) => {
          dispose();
          resolve(r as GqlResult<unknown>);
        },
        error: (e) => resolve({ errors: Array.isArray(e) ? e : [{ message: String((e as Error)?.message ?? e), extensions: { code: `closed ${(e as { code?: number }).code}` } }] }),
        complete: () => {},
      },
    );
  });
}

const answer = (r: GqlResult<unknown>) => ({ data: r.data ?? null, errors: r.errors?.map((e) => ({ message: e.message, code: e.extensions?.code })) });

/** A raw socket speaking graphql-transport-ws, to see close codes the client library hides. */
function rawSocket(url: string): Promise<{ ws: WebSocket; closed: Promise<number> }> {
  const ws = new WebSocket(url, 'graphql-transport-ws');
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, closed }));
    ws.once('error', reject);
  });
}

// Issue 7, items 1 and 2: the limits answer GRAPHQL_VALIDATION_FAILED (never 500), the same over HTTP and graphql-ws.
describe('query limits over both transports', () => {
  let t: TestApp;
  let w: World;

  beforeAll(async () => {
    t = await startTestApp({ WS_CONNECTION_INIT_TIMEOUT_MS: '300', WS_MAX_SUBSCRIPTIONS_PER_SOCKET: '3' });
    w = await buildWorld(t.app.ds);
  });
  afterAll(() => t.stop());

  const documents: Record<string, string> = {
    ...abusiveDocuments(20 * 1024),
    'fragment fan-out, 1 KB': `query FanOut { ...F0 }\n${Array.from({ length: 25 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join('\n')}\nfragment F25 on Query { plans { code } }`,
    'hundreds of aliases of a list field': `{ ${Array.from({ length: 300 }, (_, i) => `a${i}: agency(id: "${ID}") { locations { users { id } } }`).join(' ')} }`,
    'deep nesting through inline fragments': `{ location(id: "${ID}") { ${'... on Location { agency { locations { '.repeat(7)} id ${'} } } '.repeat(7)} } }`,
    'a fragment spreading itself': 'query Q { ...A } fragment A on Query { viewer { id } ...A }',
    'two fragments in a cycle': 'query Q { viewer { ...U } } fragment U on User { agency { ...G } } fragment G on Agency { users { ...U } }',
    'an unknown field': '{ viewer { id nope } }',
  };

  test.each(Object.entries(documents))('%s: GRAPHQL_VALIDATION_FAILED over HTTP (400) and the same answer over graphql-ws, no SQL', async (_case, query) => {
    const token = t.tokenFor(w.accountUserA);
    t.sql.reset();
    const http = await t.raw({ query }, token);
    expect(http.status).toBe(400);
    expect(http.json.errors?.length).toBeGreaterThan(0);
    expect(http.json.errors!.every((e) => e.extensions?.code === 'GRAPHQL_VALIDATION_FAILED')).toBe(true);

    const client = wsClient(t.wsUrl, token);
    try {
      expect(answer(await overWs(client, query))).toEqual(answer(http.json));
    } finally {
      await client.dispose();
    }
    expect(t.sql.count).toBe(0);
  });

  test('a syntax error, a document over the token limit and one nested beyond the parser are GRAPHQL_PARSE_FAILED on both', async () => {
    const client = wsClient(t.wsUrl, t.tokenFor(w.accountUserA));
    try {
      // The last one nests deeper than the parser's stack allows: still a parse failure, not a 500.
      for (const query of ['{ viewer { id ', `{ viewer { ${'id '.repeat(16_000)} } }`, `${'{ viewer '.repeat(4000)}${'}'.repeat(4000)}`]) {
        const http = await t.raw({ query }, t.tokenFor(w.accountUserA));
        expect(http.status).toBe(400);
        expect(codeOf(http.json)).toBe('GRAPHQL_PARSE_FAILED');
        expect(answer(await overWs(client, query))).toEqual(answer(http.json));
      }
    } finally {
      await client.dispose();
    }
  });

  test('a valid query still runs over graphql-ws', async () => {
    const client = wsClient(t.wsUrl, t.tokenFor(w.accountUserA));
    try {
      expect(answer(await overWs(client, '{ viewer { id } }'))).toEqual({ data: { viewer: { id: w.accountUserA } }, errors: undefined });
    } finally {
      await client.dispose();
    }
  });

  test('a WebSocket frame over 1 MB closes the socket (1009)', async () => {
    const { ws, closed } = await rawSocket(t.wsUrl);
    ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${t.tokenFor(w.accountUserA)}` } }));
    ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `{ viewer { id } }${' '.repeat(1024 * 1024)}` } }));
    expect(await closed).toBe(1009);
  });

  test('a socket that never sends connection_init is closed after the configured timeout (4408)', async () => {
    const opened = Date.now();
    const { closed } = await rawSocket(t.wsUrl);
    expect(await closed).toBe(4408);
    // 300 ms configured; graphql-ws's own default would be 3 s.
    expect(Date.now() - opened).toBeLessThan(2500);
  });

  test('at most WS_MAX_SUBSCRIPTIONS_PER_SOCKET operations are open on one socket; closing one makes room', async () => {
    const client = wsClient(t.wsUrl, t.tokenFor(w.accountUserA));
    // Yields to the event loop before each publish, so that the socket's messages are read in between.
    const publish = async () => {
      await new Promise((resolve) => setImmediate(resolve));
      t.app.services.pubsub.publish('conflicts', w.locA, { locationId: w.locA, userId: w.accountUserA, from: new Date().toISOString(), to: new Date().toISOString() });
    };
    try {
      const open = [1, 2, 3].map(() => subscribe(client, ConflictsChangedDocument, { locationId: w.locA }));
      const fourth = subscribe(client, ConflictsChangedDocument, { locationId: w.locA });
      const refused = await fourth.next();
      expect(codeOf(refused)).toBe('RATE_LIMITED');
      expect(refused.errors?.[0].message).toBe('At most 3 operations may be open at once on one connection: complete one first');
      for (const sub of open) expect((await untilLive(sub, publish)).errors).toBeUndefined();

      open[0].dispose();
      const again = subscribe(client, ConflictsChangedDocument, { locationId: w.locA });
      expect((await untilLive(again, publish)).errors).toBeUndefined();
      again.dispose();
      for (const sub of open.slice(1)) sub.dispose();
    } finally {
      await client.dispose();
    }
  });
});

describe('introspection in production, over both transports', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ NODE_ENV: 'production', RATE_LIMIT_KEY_PREFIX: `test:${randomUUID()}` });
  });
  afterAll(() => t.stop());

  test('is refused with GRAPHQL_VALIDATION_FAILED on both', async () => {
    const query = '{ __schema { types { name } } }';
    const http = await t.raw({ query });
    expect(http.status).toBe(400);
    expect(codeOf(http.json)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(http.json.errors?.[0].message).toMatch(/introspection has been disabled/);
    const client = wsClient(t.wsUrl);
    try {
      expect(answer(await overWs(client, query))).toEqual(answer(http.json));
    } finally {
      await client.dispose();
    }
  });
});
