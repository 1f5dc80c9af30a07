import { createHash, timingSafeEqual } from 'node:crypto';

// Push channel secrets (Graph clientState, Google channel token) are random, high-entropy strings: only
// their SHA-256 is stored, and a notification's secret is checked by hashing it and comparing digests.

/** The stored form of a channel secret (hex SHA-256). */
export function hashPushSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Whether `given` hashes to `storedHash`, in time independent of where they differ. */
export function pushSecretMatches(given: string, storedHash: string): boolean {
  const expected = Buffer.from(storedHash, 'hex');
  const actual = createHash('sha256').update(given, 'utf8').digest();
  return expected.length === actual.length && timingSafeEqual(actual, expected);
}
