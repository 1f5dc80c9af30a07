// A fetch over a driver's agents, for client libraries that take a fetch implementation (gaxios):
// Node's own fetch cannot be given a CA, so PROVIDER_CA_FILE reaches Google through this.
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate } from 'node:zlib';
import type { ProviderAgents } from './provider-agents';
import { providerExchange } from './provider-exchange';

const NULL_BODY_STATUS = new Set([101, 204, 205, 304]);
const DECODERS: Record<string, (b: Buffer) => Promise<Buffer>> = {
  gzip: promisify(gunzip),
  'x-gzip': promisify(gunzip),
  deflate: promisify(inflate),
  br: promisify(brotliDecompress),
};

/** `timeoutMs`: the longest silence on the socket; a caller's AbortSignal still ends the request earlier. */
export function createProviderFetch(agents: ProviderAgents, timeoutMs: number): typeof fetch {
  return async (input, init) => {
    // Request normalises whatever body and headers the library built (string, URLSearchParams, Buffer, Headers)
    const request = new Request(input, init);
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    const res = await providerExchange(request.url, {
      method: request.method,
      headers: Object.fromEntries(request.headers),
      body,
      agents,
      timeoutMs,
      signal: init?.signal ?? null,
    });
    // As fetch does: the body is handed over decoded (googleapis asks for gzip)
    const encoding = res.headers.find(([k]) => k === 'content-encoding')?.[1].trim().toLowerCase();
    const decode = encoding ? DECODERS[encoding] : undefined;
    const payload = decode && res.body.length ? await decode(res.body) : res.body;
    const headers = decode ? res.headers.filter(([k]) => k !== 'content-encoding' && k !== 'content-length') : res.headers;
    return new Response(NULL_BODY_STATUS.has(res.status) ? null : payload, { status: res.status, headers });
  };
}
