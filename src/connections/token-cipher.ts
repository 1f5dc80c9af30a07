import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

// AES-256-GCM for provider tokens at rest. Each ciphertext names its key id, so keys rotate:
// encrypt with the newest key, decrypt with whichever key the ciphertext names.
// Format: v1.<keyId>.<iv>.<tag>.<ciphertext>, base64url parts.
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

  encrypt(plain: string): string {
    const { id, key } = this.keys[0];
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', id, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
  }

  decrypt(sealed: string): string {
    const [version, id, iv, tag, ct] = sealed.split('.');
    if (version !== 'v1') throw new Error('unknown token ciphertext version');
    const entry = this.keys.find((k) => k.id === id);
    if (!entry) throw new Error(`token encrypted with a retired key (${id}): add it back to TOKEN_ENCRYPTION_KEYS`);
    const decipher = createDecipheriv('aes-256-gcm', entry.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  }

  /** True when the ciphertext is not under the newest key (re-encrypt on next write). */
  isStale(sealed: string): boolean {
    return sealed.split('.')[1] !== this.keys[0].id;
  }
}
