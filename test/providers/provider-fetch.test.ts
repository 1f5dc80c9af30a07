import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Server } from 'node:net';
import { gzipSync } from 'node:zlib';
import { testTls } from '../../emulators/tls/test-ca';
import { ProviderAgents } from '../../src/providers/shared/provider-agents';
import { createProviderFetch } from '../../src/providers/shared/provider-fetch';

// The fetch Google's libraries get when PROVIDER_CA_FILE is set: it must answer as Node's fetch would
// (bodies decoded, forms and JSON sent as built), over http and over https trusting the extra CA.

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return String((server.address() as AddressInfo).port);
}

describe('createProviderFetch', () => {
  const seen: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }> = [];
  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
    if (req.url === '/gzip') {
      const body = gzipSync(JSON.stringify({ items: ['a', 'b'] }));
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': body.length }).end(body);
    } else if (req.url === '/empty') res.writeHead(204).end();
    else res.writeHead(403, { 'content-type': 'application/json', 'retry-after': '7' }).end('{"error":{"code":403}}');
  };
  const tls = testTls();
  const plain = createHttpServer((q, s) => void handler(q, s));
  const secure = createHttpsServer({ cert: tls.cert, key: tls.key }, (q, s) => void handler(q, s));
  const agents = new ProviderAgents(tls.caPem);
  const providerFetch = createProviderFetch(agents, 5_000);
  let httpBase = '';
  let httpsBase = '';

  beforeAll(async () => {
    httpBase = `http://127.0.0.1:${await listen(plain)}`;
    httpsBase = `https://localhost:${await listen(secure)}`;
  });
  afterAll(async () => {
    agents.destroy();
    await Promise.all([plain, secure].map((s) => new Promise((r) => s.close(r))));
  });
  beforeEach(() => (seen.length = 0));

  test('a gzip answer (googleapis asks for gzip) comes back decoded, over https with the extra CA', async () => {
    const res = await providerFetch(`${httpsBase}/gzip`, { headers: { 'accept-encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(await res.json()).toEqual({ items: ['a', 'b'] });
  });

  test('a form body (token requests) is sent with its content type; status and headers of an error come back', async () => {
    const res = await providerFetch(new URL(`${httpBase}/token`), { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'r t' }), headers: new Headers({ 'x-goog-api-client': 'gl-node' }) });
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/token', body: 'grant_type=refresh_token&refresh_token=r+t' });
    expect(seen[0].headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(seen[0].headers['x-goog-api-client']).toBe('gl-node');
    expect(res.status).toBe(403);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(await res.json()).toEqual({ error: { code: 403 } });
  });

  test('204 has no body', async () => {
    const res = await providerFetch(`${httpBase}/empty`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
  });

  test('an https server whose CA is not given is refused; an aborted request rejects', async () => {
    const noCa = new ProviderAgents(null);
    try {
      await expect(createProviderFetch(noCa, 5_000)(`${httpsBase}/gzip`)).rejects.toMatchObject({ name: 'TransportFailure' });
    } finally {
      noCa.destroy();
    }
    await expect(providerFetch(`${httpBase}/gzip`, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'TransportFailure' });
  });
});
