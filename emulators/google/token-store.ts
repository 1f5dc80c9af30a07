import { createHash, randomBytes } from 'node:crypto';
import { invalidGrant, OAuthError } from './oauth.error';

// Authorization codes, access and refresh tokens. Opaque random strings, like Google's.

export interface IssuedCode {
  code: string;
  sub: string;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
  offline: boolean;
  expiresAt: number;
  used: boolean;
}

export interface AccessGrant {
  token: string;
  sub: string;
  clientId: string;
  scopes: string[];
  expiresAt: number;
}

export interface RefreshGrant {
  token: string;
  sub: string;
  clientId: string;
  scopes: string[];
  revoked: boolean;
}

const CODE_TTL_MS = 10 * 60_000;
const opaque = (prefix: string) => `${prefix}${randomBytes(24).toString('base64url')}`;

export interface TokenSnapshot {
  codes: Map<string, IssuedCode>;
  access: Map<string, AccessGrant>;
  refresh: Map<string, RefreshGrant>;
}

export class TokenStore {
  private readonly codes = new Map<string, IssuedCode>();
  private readonly access = new Map<string, AccessGrant>();
  private readonly refresh = new Map<string, RefreshGrant>();

  snapshot(): TokenSnapshot {
    return { codes: this.codes, access: this.access, refresh: this.refresh };
  }

  restore(s: TokenSnapshot): void {
    for (const [target, source] of [[this.codes, s.codes], [this.access, s.access], [this.refresh, s.refresh]] as Array<[Map<string, unknown>, Map<string, unknown>]>) {
      target.clear();
      for (const [k, v] of source) target.set(k, v);
    }
  }

  issueCode(c: Omit<IssuedCode, 'code' | 'expiresAt' | 'used'>): IssuedCode {
    const issued: IssuedCode = { ...c, code: opaque('4/0A'), expiresAt: Date.now() + CODE_TTL_MS, used: false };
    this.codes.set(issued.code, issued);
    return issued;
  }

  redeemCode(p: { code: string; codeVerifier?: string; clientId: string; redirectUri?: string }): IssuedCode {
    const c = this.codes.get(p.code);
    if (!c || c.used || c.expiresAt < Date.now()) throw invalidGrant('Malformed auth code.');
    if (c.clientId !== p.clientId) throw new OAuthError('unauthorized_client', 'Unauthorized');
    if (c.redirectUri !== p.redirectUri) throw new OAuthError('redirect_uri_mismatch', 'Bad Request');
    if (c.codeChallenge) {
      if (!p.codeVerifier) throw invalidGrant('Missing code verifier.');
      const derived = c.codeChallengeMethod === 'S256' ? createHash('sha256').update(p.codeVerifier).digest('base64url') : p.codeVerifier;
      if (derived !== c.codeChallenge) throw invalidGrant('Invalid code verifier.');
    }
    c.used = true;
    return c;
  }

  issueAccess(sub: string, clientId: string, scopes: string[], ttlSec: number): AccessGrant {
    const g: AccessGrant = { token: opaque('ya29.'), sub, clientId, scopes, expiresAt: Date.now() + ttlSec * 1000 };
    this.access.set(g.token, g);
    return g;
  }

  issueRefresh(sub: string, clientId: string, scopes: string[]): RefreshGrant {
    const g: RefreshGrant = { token: opaque('1//0'), sub, clientId, scopes, revoked: false };
    this.refresh.set(g.token, g);
    return g;
  }

  useRefresh(token: string, clientId: string): RefreshGrant {
    const g = this.refresh.get(token);
    if (!g || g.revoked) throw invalidGrant();
    if (g.clientId !== clientId) throw new OAuthError('unauthorized_client', 'Unauthorized');
    return g;
  }

  /** A valid, unexpired access token, or null. */
  checkAccess(token: string): AccessGrant | null {
    const g = this.access.get(token);
    return g && g.expiresAt > Date.now() ? g : null;
  }

  /** The account a bearer or refresh token belongs to, expired or not (for the request log and faults). */
  subOf(token: string): string | null {
    return this.access.get(token)?.sub ?? this.refresh.get(token)?.sub ?? this.codes.get(token)?.sub ?? null;
  }

  revokeRefresh(token: string): void {
    const g = this.refresh.get(token);
    if (g) g.revoked = true;
  }

  /** The user removed the app's access: every refresh token fails with invalid_grant. */
  revokeAll(sub: string): void {
    for (const g of this.refresh.values()) if (g.sub === sub) g.revoked = true;
    this.expireAccess(sub);
  }

  expireAccess(sub: string): void {
    for (const g of this.access.values()) if (g.sub === sub) g.expiresAt = 0;
  }
}
