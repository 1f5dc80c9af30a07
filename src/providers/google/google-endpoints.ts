import type { ProviderEndpoints } from '../provider-endpoints';

// The real Google endpoints; tests and sandbox mode point the driver at the emulator instead.
export const defaultGoogleEndpoints = {
  authUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
  tokenUrl: 'https://oauth2.googleapis.com/token',
  apiUrl: 'https://www.googleapis.com/',
} as const;

export function googleEndpointsFromEnv(env: NodeJS.ProcessEnv = process.env): ProviderEndpoints['google'] {
  return {
    clientId: env.GOOGLE_CLIENT_ID ?? '',
    clientSecret: env.GOOGLE_CLIENT_SECRET ?? '',
    authUrl: env.GOOGLE_AUTH_URL || defaultGoogleEndpoints.authUrl,
    tokenUrl: env.GOOGLE_TOKEN_URL || defaultGoogleEndpoints.tokenUrl,
    apiUrl: withTrailingSlash(env.GOOGLE_API_URL || defaultGoogleEndpoints.apiUrl),
  };
}

export const withTrailingSlash = (url: string) => (url.endsWith('/') ? url : `${url}/`);
