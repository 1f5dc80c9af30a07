import { calendar, type calendar_v3 } from '@googleapis/calendar';
import { OAuth2Client } from 'google-auth-library';
import type { ProviderEndpoints } from '../provider-endpoints';
import { ProviderThrottledError } from '../provider.errors';
import type { ProviderRequestObserver } from '../shared/request-observer';
import { failureOf, toProviderError } from './google-error.mapper';

// The unmodified Google libraries, pointed at our endpoints, with their own retries off:
// every attempt is the driver's (withRetries), so none is hidden or multiplied.

export const REQUEST_TIMEOUT_MS = 30_000;

/** The endpoints, who sees every exchange (metrics), and the transport (default: Node's fetch). */
export type GoogleClientSettings = ProviderEndpoints['google'] & { onRequest?: ProviderRequestObserver; fetch?: typeof fetch };

export function createOAuthClient(ep: GoogleClientSettings, redirectUri?: string): OAuth2Client {
  const client = new OAuth2Client({
    clientId: ep.clientId,
    clientSecret: ep.clientSecret,
    redirectUri,
    endpoints: { oauth2TokenUrl: ep.tokenUrl, oauth2AuthBaseUrl: ep.authUrl },
    // Ours with an extra CA (createProviderFetch), else Node's own: gaxios would otherwise import node-fetch (ESM) on first use
    transporterOptions: { fetchImplementation: ep.fetch ?? fetch },
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
  // With retries off, each request through the transporter (token calls and API calls alike) is one exchange.
  const observe = ep.onRequest;
  if (observe) {
    client.transporter.interceptors.response.add({
      resolved: async (res) => {
        observe({ provider: 'GOOGLE', status: res.status, throttled: false });
        return res;
      },
      rejected: async (err) => {
        const failure = failureOf(err);
        observe({ provider: 'GOOGLE', status: failure.status, throttled: toProviderError(failure) instanceof ProviderThrottledError });
        throw err;
      },
    });
  }
  return client;
}

/**
 * A calendar client acting with an access token only: without a refresh token
 * google-auth-library neither refreshes nor silently retries on 401/403.
 */
export function createCalendarClient(ep: GoogleClientSettings, accessToken: string): { calendar: calendar_v3.Calendar; auth: OAuth2Client } {
  const auth = createOAuthClient(ep);
  auth.setCredentials({ access_token: accessToken });
  return { calendar: calendar({ version: 'v3', auth, rootUrl: ep.apiUrl, retry: false }), auth };
}
