import jwt from 'jsonwebtoken';

/** `exp`: expiry in seconds since the epoch (sockets are closed then). */
export type TokenClaims = { sub: string; scope?: string; exp?: number };

export const SERVICE_SUBJECT = 'service';
export const PROVISIONING_SCOPE = 'provisioning';

export function signUserToken(secret: string, userId: string, expiresIn: jwt.SignOptions['expiresIn'] = '30d'): string {
  return jwt.sign({}, secret, { algorithm: 'HS256', subject: userId, expiresIn });
}

export function signServiceToken(secret: string, expiresIn: jwt.SignOptions['expiresIn'] = '30d'): string {
  return jwt.sign({ scope: PROVISIONING_SCOPE }, secret, { algorithm: 'HS256', subject: SERVICE_SUBJECT, expiresIn });
}

/** Returns the claims of a valid token, or null for a missing, expired or forged one. */
export function verifyToken(secret: string, token: string): TokenClaims | null {
  try {
    const claims = jwt.verify(token, secret, { algorithms: ['HS256'] });
    if (typeof claims !== 'object' || typeof claims.sub !== 'string') return null;
    return { sub: claims.sub, scope: typeof claims.scope === 'string' ? claims.scope : undefined, exp: typeof claims.exp === 'number' ? claims.exp : undefined };
  } catch {
    return null;
  }
}

/** Accepts "Bearer <jwt>" or the bare jwt (graphql-ws connectionParams). */
export function extractBearer(value: unknown): string | null {
  if (typeof value !== 'string' || !value.trim()) return null;
  const v = value.trim();
  // "Bearer" with nothing after it is a header without a token, not the bare token "Bearer".
  return /^bearer(\s+|$)/i.test(v) ? v.replace(/^bearer\s*/i, '').trim() || null : v;
}
