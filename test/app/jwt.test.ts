import { createHmac } from 'node:crypto';
import jwt from 'jsonwebtoken';
import {
  checkToken,
  EXPIRED_MESSAGE,
  FUTURE_IAT_MESSAGE,
  IAT_CLOCK_TOLERANCE_SECONDS,
  NO_EXPIRY_MESSAGE,
  signServiceToken,
  signUserToken,
  verifyToken,
} from '../../src/app/auth/jwt';

// Bearer tokens must expire and must not be issued in the future.

const SECRET = 'a-secret-that-is-long-enough-0123456789';
const NOW = 1_900_000_000;
// An explicit iat in the payload is kept by jwt.sign.
const sign = (payload: object) => jwt.sign(payload, SECRET, { algorithm: 'HS256' });

describe('bearer token lifetime', () => {
  test('a token without exp is refused, saying tokens must expire', () => {
    const forever = sign({ sub: 'user-1', iat: NOW });
    expect(checkToken(SECRET, forever, NOW)).toEqual({ claims: null, refusal: NO_EXPIRY_MESSAGE });
    expect(NO_EXPIRY_MESSAGE).toMatch(/must expire/);
    expect(verifyToken(SECRET, jwt.sign({}, SECRET, { algorithm: 'HS256', subject: 'service' }))).toBeNull();
  });

  test('a token issued in the future is refused beyond a small clock tolerance', () => {
    const exp = NOW + 3600;
    expect(checkToken(SECRET, sign({ sub: 'user-1', iat: NOW + IAT_CLOCK_TOLERANCE_SECONDS + 1, exp }), NOW)).toEqual({ claims: null, refusal: FUTURE_IAT_MESSAGE });
    expect(checkToken(SECRET, sign({ sub: 'user-1', iat: NOW + 86_400 * 365, exp: NOW + 86_400 * 400 }), NOW).refusal).toBe(FUTURE_IAT_MESSAGE);
    // Within the tolerance (the issuer's clock is a little ahead) and in the past: accepted.
    expect(checkToken(SECRET, sign({ sub: 'user-1', iat: NOW + IAT_CLOCK_TOLERANCE_SECONDS, exp }), NOW).claims).toEqual({ sub: 'user-1', scope: undefined, exp });
    expect(checkToken(SECRET, sign({ sub: 'user-1', iat: NOW - 60, exp }), NOW).claims).toEqual({ sub: 'user-1', scope: undefined, exp });
    // jwt.sign would refuse a non-numeric iat: signed by hand.
    const body = Buffer.from(JSON.stringify({ sub: 'user-1', iat: 'yesterday', exp })).toString('base64url');
    const head = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
    const mac = createHmac('sha256', SECRET).update(`${head}.${body}`).digest('base64url');
    expect(checkToken(SECRET, `${head}.${body}.${mac}`, NOW).claims).toBeNull();
  });

  test('an expired token says so; a forged one gets no detail', () => {
    expect(checkToken(SECRET, sign({ sub: 'user-1', iat: NOW - 7200, exp: NOW - 1 }), NOW)).toEqual({ claims: null, refusal: EXPIRED_MESSAGE });
    const forged = jwt.sign({ sub: 'user-1' }, 'another-secret-another-secret-0000000', { algorithm: 'HS256' });
    expect(checkToken(SECRET, forged, NOW)).toEqual({ claims: null, refusal: null });
    // Even a forged token without exp learns nothing.
    expect(checkToken(SECRET, jwt.sign({ sub: 'user-1' }, 'another-secret-another-secret-0000000', { algorithm: 'HS256', noTimestamp: true }), NOW).refusal).toBeNull();
  });

  // The token CLI, the demo banner of `npm start` and the test harness sign with these two.
  test('every token this service issues carries exp (30 days by default) and a current iat', () => {
    for (const token of [signUserToken(SECRET, 'user-1'), signServiceToken(SECRET)]) {
      const claims = jwt.decode(token) as { iat: number; exp: number };
      expect(claims.exp - claims.iat).toBe(30 * 86_400);
      expect(Math.abs(claims.iat - Date.now() / 1000)).toBeLessThan(5);
      expect(verifyToken(SECRET, token)).not.toBeNull();
    }
    const short = jwt.decode(signUserToken(SECRET, 'user-1', 60)) as { iat: number; exp: number };
    expect(short.exp - short.iat).toBe(60);
  });
});
