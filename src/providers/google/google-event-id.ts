import { createHash } from 'node:crypto';

// Google accepts client-chosen event ids in base32hex ([a-v0-9], 5..1024 chars); one derived
// from the idempotency key makes a retried insert a 409 duplicate instead of a second event.

const ALPHABET = '0123456789abcdefghijklmnopqrstuv';

export function base32hex(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/** Deterministic: the same key always gives the same 52-character id. */
export function eventIdForKey(idempotencyKey: string): string {
  return base32hex(createHash('sha256').update(`calbridge:${idempotencyKey}`).digest());
}

export const isGoogleClientId = (id: string) => /^[a-v0-9]{5,1024}$/.test(id);
