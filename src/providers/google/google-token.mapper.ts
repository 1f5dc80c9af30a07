import type { TokenSet } from '../calendar-provider';

// Token endpoint answers (as google-auth-library hands them over) → TokenSet.

export interface GoogleCredentials {
  access_token?: string | null;
  refresh_token?: string | null;
  expiry_date?: number | null;
  scope?: string | null;
  id_token?: string | null;
}

export interface IdTokenClaims {
  sub: string;
  email: string;
  name: string | null;
}

/** What we keep next to the tokens: the identity from the id_token, so whoAmI needs no call. */
interface DriverState {
  idToken?: IdTokenClaims;
}

export function toTokenSet(c: GoogleCredentials, previous: TokenSet | null, now = Date.now()): TokenSet {
  if (!c.access_token) throw new Error('The token endpoint returned no access token');
  const claims = c.id_token ? decodeIdToken(c.id_token) : null;
  const prevState = parseDriverState(previous?.driverState);
  const state: DriverState = { ...prevState, ...(claims ? { idToken: claims } : {}) };
  return {
    accessToken: c.access_token,
    // Google does not rotate refresh tokens by default: keep the one we have
    refreshToken: c.refresh_token ?? previous?.refreshToken ?? null,
    expiresAt: new Date(c.expiry_date ?? now + 3600_000),
    grantedScopes: c.scope ? c.scope.split(/\s+/).filter(Boolean) : (previous?.grantedScopes ?? []),
    driverState: state.idToken ? JSON.stringify(state) : (previous?.driverState ?? null),
  };
}

/** The id_token's claims. Not verified: it came straight from the token endpoint over TLS (OpenID Core 3.1.3.7). */
export function decodeIdToken(jwt: string): IdTokenClaims | null {
  const payload = jwt.split('.')[1];
  if (!payload) return null;
  try {
    const p = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (typeof p.sub !== 'string' || !p.sub) return null;
    return { sub: p.sub, email: typeof p.email === 'string' ? p.email : '', name: typeof p.name === 'string' ? p.name : null };
  } catch {
    return null;
  }
}

export function idTokenClaimsOf(tokens: TokenSet): IdTokenClaims | null {
  return parseDriverState(tokens.driverState).idToken ?? null;
}

function parseDriverState(raw: string | null | undefined): DriverState {
  if (!raw) return {};
  try {
    const v = JSON.parse(raw) as DriverState;
    return v && typeof v === 'object' ? v : {};
  } catch {
    return {};
  }
}
