// Builds msal-node's ConfidentialClientApplication. For an authority that is not Microsoft's
// (the emulator), msal gets the metadata up front so it never attempts instance discovery.
import { ConfidentialClientApplication, LogLevel, type Configuration, type INetworkModule } from '@azure/msal-node';

export interface MsalSettings {
  clientId: string;
  clientSecret: string;
  /** e.g. https://login.microsoftonline.com/common */
  authority: string;
  network: INetworkModule;
}

const MICROSOFT_LOGIN_HOSTS = /(^|\.)(login\.microsoftonline\.(com|us)|login\.microsoft\.com|login\.partner\.microsoftonline\.cn|login\.windows\.net)$/i;

/** OpenID and cloud-discovery metadata for a self-hosted authority (same shape as Microsoft's). */
export function authorityMetadataFor(authority: string): { authorityMetadata: string; cloudDiscoveryMetadata: string; knownAuthorities: string[] } {
  const url = new URL(authority);
  const base = authority.replace(/\/+$/, '');
  return {
    knownAuthorities: [url.host],
    authorityMetadata: JSON.stringify({
      token_endpoint: `${base}/oauth2/v2.0/token`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      jwks_uri: `${base}/discovery/v2.0/keys`,
      issuer: `${url.origin}/{tenantid}/v2.0`,
    }),
    cloudDiscoveryMetadata: JSON.stringify({
      tenant_discovery_endpoint: `${base}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: url.host, preferred_cache: url.host, aliases: [url.host] }],
    }),
  };
}

/** A fresh application per operation: the token cache is per connection (TokenSet.driverState). */
export function createMsalApp(settings: MsalSettings, serializedCache?: string | null): ConfidentialClientApplication {
  const selfHosted = !MICROSOFT_LOGIN_HOSTS.test(new URL(settings.authority).hostname);
  const config: Configuration = {
    auth: {
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      authority: settings.authority,
      ...(selfHosted ? authorityMetadataFor(settings.authority) : {}),
    },
    system: {
      networkClient: settings.network,
      // Our withRetries loop owns retries
      disableInternalRetries: true,
      loggerOptions: { logLevel: LogLevel.Error, piiLoggingEnabled: false, loggerCallback: () => {} },
    },
  };
  const app = new ConfidentialClientApplication(config);
  if (serializedCache) app.getTokenCache().deserialize(serializedCache);
  return app;
}
