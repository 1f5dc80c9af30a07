import { AppConfig } from '../app/config/config';
import { ProviderEndpoints } from './provider-endpoints';

// Without credentials a provider is still constructed (it fails at the provider with a clear OAuth error).
export function endpointsFromConfig(config: AppConfig): ProviderEndpoints {
  return {
    microsoft: {
      clientId: config.MICROSOFT_CLIENT_ID ?? 'not-configured',
      clientSecret: config.MICROSOFT_CLIENT_SECRET ?? 'not-configured',
      authority: config.MICROSOFT_AUTHORITY,
      graphUrl: config.MICROSOFT_GRAPH_URL,
    },
    google: {
      clientId: config.GOOGLE_CLIENT_ID ?? 'not-configured',
      clientSecret: config.GOOGLE_CLIENT_SECRET ?? 'not-configured',
      authUrl: config.GOOGLE_AUTH_URL,
      tokenUrl: config.GOOGLE_TOKEN_URL,
      apiUrl: config.GOOGLE_API_URL,
    },
    caPem: config.providerCaPem,
  };
}
