// msal-node's documented network extension point, over the driver's agents (extra CA, keep-alive).
// msal only ever sees https authorities; an endpoint configured as plain http is reached here.
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import type { ProviderAgents } from '../shared/provider-agents';
import { providerExchange, TransportFailure } from '../shared/provider-exchange';
import type { ProviderRequestObserver } from '../shared/request-observer';
import type { OutlookUrlMapper } from './outlook-url.mapper';

export class MsalNetworkClient implements INetworkModule {
  constructor(
    private readonly agents: ProviderAgents,
    private readonly urls: OutlookUrlMapper,
    private readonly timeoutMs: number,
    private readonly onRequest?: ProviderRequestObserver,
  ) {}

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  private async send<T>(method: string, url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    let res;
    try {
      res = await providerExchange(this.urls.wire(url), { method, headers: options?.headers ?? {}, body: options?.body, agents: this.agents, timeoutMs: timeout ?? this.timeoutMs });
    } catch (err) {
      this.onRequest?.({ provider: 'OUTLOOK', status: null, throttled: false });
      throw err;
    }
    this.onRequest?.({ provider: 'OUTLOOK', status: res.status, throttled: res.status === 429 });
    let body: T;
    try {
      body = (res.body.length ? JSON.parse(res.body.toString('utf8')) : {}) as T;
    } catch {
      // A proxy's HTML error page or similar: a transport problem, not an OAuth answer
      throw new TransportFailure(`${method} ${new URL(url).pathname}: HTTP ${res.status} with a non-JSON body`);
    }
    // msal's errors do not carry the HTTP status unless the body does: without it an outage (5xx) or throttling (429)
    // of the token endpoint reads as a refused grant, and the connection would wrongly need reauthorization.
    if ((res.status >= 500 || res.status === 429) && body && typeof body === 'object') (body as Record<string, unknown>).status = res.status;
    return { status: res.status, headers: Object.fromEntries(res.headers), body };
  }
}
