import { decodeIdToken, idTokenClaimsOf, toTokenSet } from '../../src/providers/google/google-token.mapper';

const jwt = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

describe('toTokenSet', () => {
  it('keeps scopes, expiry and the id_token identity', () => {
    const t = toTokenSet({ access_token: 'a', refresh_token: 'r', expiry_date: 1_000, scope: 'openid https://www.googleapis.com/auth/calendar', id_token: jwt({ sub: '42', email: 'x@y.z', name: 'X' }) }, null);
    expect(t).toMatchObject({ accessToken: 'a', refreshToken: 'r', expiresAt: new Date(1_000), grantedScopes: ['openid', 'https://www.googleapis.com/auth/calendar'] });
    expect(idTokenClaimsOf(t)).toEqual({ sub: '42', email: 'x@y.z', name: 'X' });
  });

  it('keeps the previous refresh token, scopes and identity when a refresh omits them', () => {
    const first = toTokenSet({ access_token: 'a', refresh_token: 'r', scope: 's1', id_token: jwt({ sub: '42', email: 'e' }) }, null);
    const next = toTokenSet({ access_token: 'b' }, first);
    expect(next).toMatchObject({ accessToken: 'b', refreshToken: 'r', grantedScopes: ['s1'] });
    expect(idTokenClaimsOf(next)?.sub).toBe('42');
  });

  it('rejects id_tokens without a subject', () => {
    expect(decodeIdToken(jwt({ email: 'e' }))).toBeNull();
    expect(decodeIdToken('garbage')).toBeNull();
  });
});
