// The last link of the Graph client's middleware chain: sends over the driver's agents (extra CA,
// keep-alive). The chain has no RetryHandler or RedirectHandler, so every attempt is the driver's.
// The client only ever sees https URLs; a Graph configured as plain http is reached here, and the
// links it answers with are turned back into the form the client follows (with the bearer token).
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import type { ProviderAgents } from '../shared/provider-agents';
import { providerExchange } from '../shared/provider-exchange';
import type { ProviderRequestObserver } from '../shared/request-observer';
import type { OutlookUrlMapper } from './outlook-url.mapper';

const NULL_BODY_STATUS = new Set([101, 204, 205, 304]);

function headerRecord(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  if (typeof (headers as Headers).forEach === 'function' && !(headers instanceof Array)) {
    (headers as Headers).forEach((value, key) => (out[key] = value));
    return out;
  }
  for (const [k, v] of Object.entries(headers as Record<string, string>)) out[k] = String(v);
  return out;
}

export interface GraphTransportSettings {
  agents: ProviderAgents;
  urls: OutlookUrlMapper;
  timeoutMs: number;
  onRequest?: ProviderRequestObserver;
}

export class GraphTransportMiddleware implements Middleware {
  constructor(private readonly settings: GraphTransportSettings) {}

  async execute(context: Context): Promise<void> {
    const { agents, urls, timeoutMs, onRequest } = this.settings;
    const url = typeof context.request === 'string' ? context.request : (context.request as { url: string }).url;
    const options = context.options ?? {};
    const body = options.body as string | Buffer | undefined;
    let res;
    try {
      res = await providerExchange(urls.wire(url), { method: options.method ?? 'GET', headers: headerRecord(options.headers), body, agents, timeoutMs });
    } catch (err) {
      onRequest?.({ provider: 'OUTLOOK', status: null, throttled: false });
      throw err;
    }
    onRequest?.({ provider: 'OUTLOOK', status: res.status, throttled: res.status === 429 });
    let payload: Buffer | string = res.body;
    let headers = res.headers;
    if (urls.active) {
      // Paging links and a 410's Location (an expired cursor) point at the wire origin
      payload = urls.visibleLinks(res.body.toString('utf8')) ?? res.body;
      headers = headers.map(([k, v]) => (k === 'location' || k === 'content-location' ? [k, urls.visible(v)] : k === 'content-length' && payload !== res.body ? [k, String(Buffer.byteLength(payload))] : [k, v]));
    }
    context.response = new Response(NULL_BODY_STATUS.has(res.status) ? null : payload, { status: res.status, headers }) as unknown as Context['response'];
  }
}
