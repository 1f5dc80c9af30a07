import { binding, TokenCipher } from '../../src/connections/token-cipher';

// Provider tokens at rest: AES-256-GCM with a full 16-byte tag, each ciphertext bound to its row.

const KEY = Buffer.alloc(32, 7).toString('base64');
const OLD_KEY = Buffer.alloc(32, 9).toString('base64');
const rowA = binding('connections.credentials', '6f9d1c1e-0000-4000-8000-00000000000a');
const rowB = binding('connections.credentials', '6f9d1c1e-0000-4000-8000-00000000000b');

// Written by the previous release (format v1, no row binding): KEY, then OLD_KEY.
const LEGACY_V1 =
  'v1.4bb06f8e.h2Y2Xy_NbXgif3fd.oRuNTdnvagvnCqGFuCMHTg.qlQQY5lNTALy_qAgv2dvT-2TEC_OSindKr6sod1ywXA5lclTU44zxifIju7X2Sf6F-_XjU1YEHaorQOLA2uX7AB3Z8t9ws4Q5Kel8JsMO0FsGjt7r7Q2yEF3C4lCe1tQhVTT1tc2joqAF4EhveNPcWax79cJWKhucAiichSqvTJTd4I';
const LEGACY_V1_OLD_KEY = 'v1.8c0cc17a.HHZdgHiqtxqYAlJd.-OyW_Es46Lysj9VvrL05hQ.ZKNatEE5jodBmC1TsVKcrPc';

const withTag = (sealed: string, tag: Buffer) => {
  const p = sealed.split('.');
  p[3] = tag.toString('base64url');
  return p.join('.');
};
const tagOf = (sealed: string) => Buffer.from(sealed.split('.')[3], 'base64url');

describe('TokenCipher', () => {
  const cipher = new TokenCipher([KEY, OLD_KEY]);

  test('round trip for the row it was sealed for, in format v2 under the newest key', () => {
    const sealed = cipher.encrypt('{"accessToken":"a"}', rowA);
    expect(sealed).toMatch(/^v2\.4bb06f8e\.[\w-]+\.[\w-]{22}\.[\w-]+$/);
    expect(cipher.decrypt(sealed, rowA)).toBe('{"accessToken":"a"}');
    expect(cipher.isStale(sealed)).toBe(false);
  });

  test('a ciphertext moved to another row does not decrypt', () => {
    const sealed = cipher.encrypt('secret tokens', rowA);
    expect(() => cipher.decrypt(sealed, rowB)).toThrow(/unable to authenticate/i);
    // Nor into another column of the same row.
    expect(() => cipher.decrypt(sealed, binding('oauth_states.code_verifier', '6f9d1c1e-0000-4000-8000-00000000000a'))).toThrow();
  });

  test('a truncated tag is refused, whatever its length; so is a longer one', () => {
    const sealed = cipher.encrypt('secret tokens', rowA);
    const tag = tagOf(sealed);
    for (const len of [4, 8, 12, 13, 15]) {
      expect(() => cipher.decrypt(withTag(sealed, tag.subarray(0, len)), rowA)).toThrow(/malformed/);
    }
    expect(() => cipher.decrypt(withTag(sealed, Buffer.concat([tag, Buffer.from([0])])), rowA)).toThrow(/malformed/);
    expect(() => cipher.decrypt(withTag(sealed, Buffer.alloc(0)), rowA)).toThrow(/malformed/);
    // The full tag still works, and a flipped bit in it does not.
    expect(cipher.decrypt(withTag(sealed, tag), rowA)).toBe('secret tokens');
    const flipped = Buffer.from(tag);
    flipped[0] ^= 1;
    expect(() => cipher.decrypt(withTag(sealed, flipped), rowA)).toThrow(/unable to authenticate/i);
  });

  test('a legacy (v1) ciphertext still decrypts by its key id, and is stale', () => {
    expect(JSON.parse(cipher.decrypt(LEGACY_V1, rowA))).toMatchObject({ accessToken: 'legacy-access', refreshToken: 'legacy-refresh' });
    expect(cipher.decrypt(LEGACY_V1_OLD_KEY, rowA)).toBe('under the old key');
    expect(cipher.isStale(LEGACY_V1)).toBe(true);
    expect(cipher.isStale(LEGACY_V1_OLD_KEY)).toBe(true);
    // A legacy ciphertext with a truncated tag is refused too.
    expect(() => cipher.decrypt(withTag(LEGACY_V1, tagOf(LEGACY_V1).subarray(0, 12)), rowA)).toThrow(/malformed/);
  });

  test('a ciphertext under an older key decrypts and is stale; a retired key is named', () => {
    const older = new TokenCipher([OLD_KEY]).encrypt('x', rowA);
    expect(cipher.decrypt(older, rowA)).toBe('x');
    expect(cipher.isStale(older)).toBe(true);
    expect(() => new TokenCipher([KEY]).decrypt(older, rowA)).toThrow(/retired key \(8c0cc17a\)/);
  });

  test('unknown versions and malformed input are refused', () => {
    const sealed = cipher.encrypt('x', rowA);
    expect(() => cipher.decrypt(sealed.replace(/^v2/, 'v3'), rowA)).toThrow(/unknown token ciphertext version/);
    expect(() => cipher.decrypt(`${sealed}.extra`, rowA)).toThrow(/unknown token ciphertext version/);
    expect(() => cipher.decrypt('garbage', rowA)).toThrow();
  });
});
