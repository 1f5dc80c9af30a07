import { calendar, type calendar_v3 } from '@googleapis/calendar';
import { OAuth2Client } from 'google-auth-library';
import type { ProviderEndpoints } from '../provider-endpoints';

// The unmodified Google libraries, pointed at our endpoints, with their own retries off:
// every attempt is the driver's (withRetries), so none is hidden or multiplied.

const REQUEST_TIMEOUT_MS = 30_000;

export function createOAuthClient(ep: ProviderEndpoints['google'], redirectUri?: string): OAuth2Client {
  const client = new OAuth2Client({
    clientId: ep.clientId,
    clientSecret: ep.clientSecret,
    redirectUri,
    endpoints: { oauth2TokenUrl: ep.tokenUrl, oauth2AuthBaseUrl: ep.authUrl },
    // Node's own fetch: gaxios would otherwise import node-fetch (ESM) on first use
    transporterOptions: { fetchImplementation: fetch },
  });
  // The token calls spread their own retry config over any defaults; an interceptor runs last.
  client.transporter.interceptors.request.add({
    resolved: async (opts) => {
      opts.retry = false;
      opts.retryConfig = { retry: 0, noResponseRetries: 0 };
      opts.timeout ??= REQUEST_TIMEOUT_MS;
      return opts;
    },
  });
  return client;
}

/**
 * A calendar client acting with an access token only: without a refresh token
 * google-auth-library neither refreshes nor silently retries on 401/403.
 */
export function createCalendarClient(ep: ProviderEndpoints['google'], accessToken: string): { calendar: calendar_v3.Calendar; auth: OAuth2Client } {
  const auth = createOAuthClient(ep);
  auth.setCredentials({ access_token: accessToken });
  return { calendar: calendar({ version: 'v3', auth, rootUrl: ep.apiUrl, retry: false }), auth };
}
