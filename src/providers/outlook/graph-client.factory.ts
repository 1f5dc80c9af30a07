// The Graph client with a custom middleware chain: authentication, then our HTTPS transport.
// No RetryHandler (the driver's withRetries owns retries) and no RedirectHandler.
import type { Agent } from 'node:https';
import { AuthenticationHandler, Client } from '@microsoft/microsoft-graph-client';
import type { ProviderRequestObserver } from '../shared/request-observer';
import { GraphTransportMiddleware } from './graph-transport.middleware';

export interface GraphClientSettings {
  /** e.g. https://graph.microsoft.com/v1.0 */
  graphUrl: string;
  agent: Agent;
  timeoutMs: number;
  /** Sees every exchange (metrics). */
  onRequest?: ProviderRequestObserver;
}

export function createGraphClient(settings: GraphClientSettings, accessToken: string): Client {
  const url = new URL(settings.graphUrl);
  const version = url.pathname.replace(/^\/+|\/+$/g, '') || 'v1.0';
  const auth = new AuthenticationHandler({ getAccessToken: async () => accessToken });
  return Client.initWithMiddleware({
    middleware: [auth, new GraphTransportMiddleware(settings.agent, settings.timeoutMs, settings.onRequest)],
    baseUrl: url.origin,
    defaultVersion: version,
    // The bearer token is attached only to Graph hosts and these (bare host names)
    customHosts: new Set([url.hostname]),
  });
}
