// id_tokens signed RS256 with the emulator's TLS key, published at the JWKS endpoint.
import { createHash, createPrivateKey, createPublicKey, createSign, type KeyObject } from 'node:crypto';

const KID = 'calbridge-emulator';
const b64url = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

export class IdTokenSigner {
  // Parsed once: parsing the PEM cost as much as the signature itself, on every token issued.
  private key: KeyObject | null = null;

  constructor(private readonly keyPem: string) {}

  sign(claims: Record<string, unknown>): string {
    const head = `${b64url({ typ: 'JWT', alg: 'RS256', kid: KID })}.${b64url(claims)}`;
    const signature = createSign('RSA-SHA256').update(head).sign((this.key ??= createPrivateKey(this.keyPem)));
    return `${head}.${signature.toString('base64url')}`;
  }

  jwks(): { keys: unknown[] } {
    const jwk = createPublicKey(this.keyPem).export({ format: 'jwk' });
    return { keys: [{ ...jwk, kid: KID, use: 'sig', kty: 'RSA', alg: 'RS256' }] };
  }
}

/** Pairwise `sub`: per account and application, like Microsoft's. */
export const pairwiseSub = (oid: string, clientId: string): string => createHash('sha256').update(`${oid}:${clientId}`).digest('base64url').slice(0, 43);
