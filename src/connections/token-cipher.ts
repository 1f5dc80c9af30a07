import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

// AES-256-GCM for provider tokens at rest. Each ciphertext names its key id, so keys rotate:
// encrypt with the newest key, decrypt with whichever key the ciphertext names.
// Format v2: v2.<keyId>.<iv>.<tag>.<ciphertext>, base64url parts, authenticated together with the
// row it belongs to (additional authenticated data), so a ciphertext copied into another row does not
// decrypt. v1 (same layout, no binding) is still read, and is stale: rewritten as v2 on the next write.

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The row (and column) a ciphertext belongs to, e.g. `binding('connections.credentials', id)`. */
export const binding = (column: string, rowId: string): string => `${column}:${rowId}`;

export class TokenCipher {
  private readonly keys: Array<{ id: string; key: Buffer }>;

  constructor(base64Keys: readonly string[]) {
    if (!base64Keys.length) throw new Error('TokenCipher needs at least one key');
    this.keys = base64Keys.map((k) => {
      const key = Buffer.from(k, 'base64');
      if (key.length !== 32) throw new Error('token encryption keys must be 32 bytes');
      return { id: createHash('sha256').update(key).digest('hex').slice(0, 8), key };
    });
  }

  /** Encrypts for the row named by `boundTo` (see `binding`); only that binding decrypts it. */
  encrypt(plain: string, boundTo: string): string {
    const { id, key } = this.keys[0];
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(boundTo, 'utf8'));
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v2', id, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
  }

  /** Decrypts a ciphertext of the row named by `boundTo`; a v1 ciphertext (written before binding) is read as it is. */
  decrypt(sealed: string, boundTo: string): string {
    const parts = sealed.split('.');
    const [version, id, iv, tag, ct] = parts;
    if (parts.length !== 5 || (version !== 'v1' && version !== 'v2')) throw new Error('unknown token ciphertext version');
    const entry = this.keys.find((k) => k.id === id);
    if (!entry) throw new Error(`token encrypted with a retired key (${id}): add it back to TOKEN_ENCRYPTION_KEYS`);
    const ivBytes = Buffer.from(iv, 'base64url');
    const tagBytes = Buffer.from(tag, 'base64url');
    // GCM accepts shorter tags unless told otherwise; a truncated tag is far easier to forge.
    if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) throw new Error('malformed token ciphertext');
    const decipher = createDecipheriv('aes-256-gcm', entry.key, ivBytes, { authTagLength: TAG_BYTES });
    if (version === 'v2') decipher.setAAD(Buffer.from(boundTo, 'utf8'));
    decipher.setAuthTag(tagBytes);
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  }

  /** True when the ciphertext is not v2 under the newest key (re-encrypt on next write). */
  isStale(sealed: string): boolean {
    const [version, id] = sealed.split('.');
    return version !== 'v2' || id !== this.keys[0].id;
  }
}
