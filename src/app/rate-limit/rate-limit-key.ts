import { extractBearer, verifyToken } from '../auth/jwt';

/**
 * Who a request counts against: the authenticated user (the token's `sub`, checked without SQL), or the client
 * address when there is no valid token. A forged token counts against the address, like no token.
 */
export function rateLimitKey(authorization: unknown, address: string | undefined, jwtSecret: string): string {
  const token = extractBearer(authorization);
  const claims = token ? verifyToken(jwtSecret, token) : null;
  return claims ? `user:${claims.sub}` : `address:${address ?? 'unknown'}`;
}
