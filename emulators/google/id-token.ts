import { createHmac, randomBytes } from 'node:crypto';

// OpenID id_tokens. Signed with an emulator-local HMAC key: clients read the claims of a
// token they received directly from the token endpoint, which OpenID allows without checking.
const key = randomBytes(32);
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

export function makeIdToken(claims: { aud: string; sub: string; email: string; name: string }, ttlSec: number): string {
  const iat = Math.floor(Date.now() / 1000);
  const header = b64({ alg: 'HS256', typ: 'JWT', kid: 'emulator' });
  const payload = b64({ iss: 'https://accounts.google.com', azp: claims.aud, ...claims, email_verified: true, iat, exp: iat + ttlSec });
  const sig = createHmac('sha256', key).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${sig}`;
}
