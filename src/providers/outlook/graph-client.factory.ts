// The Graph client with a custom middleware chain: authentication, then our transport.
// No RetryHandler (the driver's withRetries owns retries) and no RedirectHandler.
import { AuthenticationHandler, Client } from '@microsoft/microsoft-graph-client';
import { GraphTransportMiddleware, type GraphTransportSettings } from './graph-transport.middleware';

export interface GraphClientSettings extends GraphTransportSettings {
  /** The https form the client sees, e.g. https://graph.microsoft.com/v1.0 (see OutlookUrlMapper). */
  graphUrl: string;
}

export function createGraphClient(settings: GraphClientSettings, accessToken: string): Client {
  const url = new URL(settings.graphUrl);
  const version = url.pathname.replace(/^\/+|\/+$/g, '') || 'v1.0';
  const auth = new AuthenticationHandler({ getAccessToken: async () => accessToken });
  return Client.initWithMiddleware({
    middleware: [auth, new GraphTransportMiddleware(settings)],
    baseUrl: url.origin,
    defaultVersion: version,
    // The bearer token is attached only to https URLs of Graph hosts and these (bare host names)
    customHosts: new Set([url.hostname]),
  });
}
