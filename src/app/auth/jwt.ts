import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';

/** `exp`: expiry in seconds since the epoch (sockets are closed then). */
export type TokenClaims = { sub: string; scope?: string; exp?: number };

/** A verified token's claims, or why a token that was signed by us is refused (null: not ours, or garbage). */
export type TokenCheck = { claims: TokenClaims; refusal?: undefined } | { claims: null; refusal: string | null };

export const SERVICE_SUBJECT = 'service';
export const PROVISIONING_SCOPE = 'provisioning';
/** How far in the future `iat` may lie (clocks of issuer and server differ a little). */
export const IAT_CLOCK_TOLERANCE_SECONDS = 60;

export const NO_EXPIRY_MESSAGE = 'This bearer token has no expiry (exp): tokens must expire. Issue a new token that carries an exp claim.';
export const FUTURE_IAT_MESSAGE = "This bearer token is issued in the future (iat): check the issuer's clock and issue a new token.";
export const EXPIRED_MESSAGE = 'This bearer token has expired: sign in again or issue a new token.';

const hmacKeys = new Map<string, KeyObject>();

/**
 * The HS256 key of a secret, made once per secret: given the bare string, jsonwebtoken first tries to parse it
 * as a PEM key on every sign and verify (and fails, which costs more than the HMAC itself).
 */
export function hmacKey(secret: string): KeyObject {
  let key = hmacKeys.get(secret);
  if (!key) hmacKeys.set(secret, (key = createSecretKey(Buffer.from(secret))));
  return key;
}

// Every token we issue expires (checkToken refuses those that do not).
export function signUserToken(secret: string, userId: string, expiresIn: jwt.SignOptions['expiresIn'] = '30d'): string {
  return jwt.sign({}, hmacKey(secret), { algorithm: 'HS256', subject: userId, expiresIn });
}

export function signServiceToken(secret: string, expiresIn: jwt.SignOptions['expiresIn'] = '30d'): string {
  return jwt.sign({ scope: PROVISIONING_SCOPE }, hmacKey(secret), { algorithm: 'HS256', subject: SERVICE_SUBJECT, expiresIn });
}

/**
 * Verifies signature (HS256 only), expiry and issue time. A token without `exp` would be valid forever and one
 * issued in the future outlives its intended lifetime: both are refused. `refusal` says why, once the
 * signature proved the token is ours; a forged or malformed token gets no detail.
 */
export function checkToken(secret: string, token: string, nowSeconds = Math.floor(Date.now() / 1000)): TokenCheck {
  let claims: string | jwt.JwtPayload;
  try {
    claims = jwt.verify(token, hmacKey(secret), { algorithms: ['HS256'], clockTimestamp: nowSeconds });
  } catch (err) {
    return { claims: null, refusal: err instanceof jwt.TokenExpiredError ? EXPIRED_MESSAGE : null };
  }
  if (typeof claims !== 'object' || typeof claims.sub !== 'string') return { claims: null, refusal: null };
  if (typeof claims.exp !== 'number') return { claims: null, refusal: NO_EXPIRY_MESSAGE };
  if (claims.iat !== undefined && (typeof claims.iat !== 'number' || claims.iat > nowSeconds + IAT_CLOCK_TOLERANCE_SECONDS)) {
    return { claims: null, refusal: FUTURE_IAT_MESSAGE };
  }
  return { claims: { sub: claims.sub, scope: typeof claims.scope === 'string' ? claims.scope : undefined, exp: claims.exp } };
}

/** Returns the claims of a valid token, or null for a missing, expired, never-expiring, future or forged one. */
export function verifyToken(secret: string, token: string): TokenClaims | null {
  return checkToken(secret, token).claims;
}

/** Accepts "Bearer <jwt>" or the bare jwt (graphql-ws connectionParams). */
export function extractBearer(value: unknown): string | null {
  if (typeof value !== 'string' || !value.trim()) return null;
  const v = value.trim();
  // "Bearer" with nothing after it is a header without a token, not the bare token "Bearer".
  return /^bearer(\s+|$)/i.test(v) ? v.replace(/^bearer\s*/i, '').trim() || null : v;
}
