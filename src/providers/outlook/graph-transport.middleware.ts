// The last link of the Graph client's middleware chain: sends over our HTTPS agent (extra CA,
// keep-alive). The chain has no RetryHandler or RedirectHandler, so every attempt is the driver's.
import type { Agent } from 'node:https';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import type { ProviderRequestObserver } from '../shared/request-observer';
import { httpsExchange } from './https-request';

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

export class GraphTransportMiddleware implements Middleware {
  constructor(
    private readonly agent: Agent,
    private readonly timeoutMs: number,
    private readonly onRequest?: ProviderRequestObserver,
  ) {}

  async execute(context: Context): Promise<void> {
    const url = typeof context.request === 'string' ? context.request : (context.request as { url: string }).url;
    const options = context.options ?? {};
    const body = options.body as string | Buffer | undefined;
    let res;
    try {
      res = await httpsExchange(url, { method: options.method ?? 'GET', headers: headerRecord(options.headers), body, agent: this.agent, timeoutMs: this.timeoutMs });
    } catch (err) {
      this.onRequest?.({ provider: 'OUTLOOK', status: null, throttled: false });
      throw err;
    }
    this.onRequest?.({ provider: 'OUTLOOK', status: res.status, throttled: res.status === 429 });
    context.response = new Response(NULL_BODY_STATUS.has(res.status) ? null : res.body, { status: res.status, headers: res.headers }) as unknown as Context['response'];
  }
}
