import { createHash } from 'node:crypto';
import { hashPushSecret, pushSecretMatches } from '../../src/providers/shared/push-secret';

describe('push channel secrets', () => {
  test('the stored form is the hex SHA-256 of the secret, never the secret', () => {
    const secret = 'Zk3x_9-random-channel-secret';
    expect(hashPushSecret(secret)).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(hashPushSecret(secret)).not.toContain(secret);
  });

  test('a secret matches its hash only, whatever the lengths', () => {
    const hash = hashPushSecret('abc');
    expect(pushSecretMatches('abc', hash)).toBe(true);
    expect(pushSecretMatches('abcd', hash)).toBe(false);
    expect(pushSecretMatches('', hash)).toBe(false);
    // Presenting the stored hash itself does not pass.
    expect(pushSecretMatches(hash, hash)).toBe(false);
    // A malformed stored value never matches.
    expect(pushSecretMatches('abc', 'not-hex')).toBe(false);
    expect(pushSecretMatches('abc', '')).toBe(false);
  });
});
