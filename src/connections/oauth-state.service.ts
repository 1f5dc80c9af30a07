import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { DataSource } from 'typeorm';
import { hmacKey } from '../app/auth/jwt';
import { rows as sqlRows } from '../app/database/sql';
import { DomainError } from '../app/errors/domain.error';
import { Provider } from './connection.enums';
import { binding, TokenCipher } from './token-cipher';

export const STATE_TTL_SECONDS = 600;

/** What an attempt's encrypted PKCE verifier is bound to (its row). */
export const verifierBinding = (nonce: string) => binding('oauth_states.code_verifier', nonce);

export interface VerifiedState {
  userId: string;
  locationId: string;
  provider: Provider;
  codeVerifier: string;
  /** The attempt's row (oauth_states.nonce) and when it expires: what this attempt leads to lives no longer. */
  nonce: string;
  expiresAt: Date;
}

const invalid = (why: string) =>
  new DomainError('OAUTH_STATE_INVALID', `This connection attempt is no longer valid (${why}). Start connecting again.`);

/**
 * The OAuth `state`: a signed token bound to user, location and provider, valid 10 minutes,
 * and single-use through its row in oauth_states (which also keeps the PKCE verifier, encrypted).
 */
export class OAuthStateService {
  constructor(
    private readonly ds: DataSource,
    private readonly secret: string,
    private readonly cipher: TokenCipher,
  ) {}

  async issue(userId: string, locationId: string, provider: Provider, codeVerifier: string): Promise<string> {
    const nonce = randomBytes(18).toString('base64url');
    await this.ds.query(
      `INSERT INTO oauth_states (nonce, user_id, location_id, provider, code_verifier, expires_at) VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))`,
      [nonce, userId, locationId, provider, this.cipher.encrypt(codeVerifier, verifierBinding(nonce)), STATE_TTL_SECONDS],
    );
    // Purge what can no longer be used; cheap and keeps the table small.
    await this.ds.query(`DELETE FROM oauth_states WHERE expires_at < now() - interval '1 day'`);
    return jwt.sign({ n: nonce, u: userId, l: locationId, p: provider }, hmacKey(this.secret), { algorithm: 'HS256', expiresIn: STATE_TTL_SECONDS, audience: 'oauth-state' });
  }

  /** Peeks at a state's claims without consuming it (for routing a browser callback). */
  decode(state: string): { userId: string; provider: Provider } | null {
    try {
      const c = jwt.verify(state, hmacKey(this.secret), { algorithms: ['HS256'], audience: 'oauth-state' }) as { u: string; p: Provider };
      return { userId: c.u, provider: c.p };
    } catch {
      return null;
    }
  }

  /**
   * Verifies and consumes the state: forged, expired, reused or issued to someone else → OAUTH_STATE_INVALID.
   * `expectedUserId` null means the browser callback, where the signed state itself names the user.
   */
  async consume(state: string, expectedUserId: string | null, expectedProvider?: Provider): Promise<VerifiedState> {
    let claims: { n: string; u: string; l: string; p: Provider };
    try {
      claims = jwt.verify(state, hmacKey(this.secret), { algorithms: ['HS256'], audience: 'oauth-state' }) as typeof claims;
    } catch (err) {
      throw invalid(err instanceof jwt.TokenExpiredError ? 'it expired' : 'it was not issued by this service');
    }
    if (expectedUserId && claims.u !== expectedUserId) throw invalid('it was issued to another user');
    if (expectedProvider && claims.p !== expectedProvider) throw invalid('it was issued for another provider');
    const rows = await sqlRows<{ code_verifier: string; expires_at: Date }>(
      this.ds,
      `UPDATE oauth_states SET used_at = now() WHERE nonce = $1 AND used_at IS NULL AND expires_at > now() RETURNING code_verifier, expires_at`,
      [claims.n],
    );
    if (!rows.length) throw invalid('it was already used');
    return {
      userId: claims.u,
      locationId: claims.l,
      provider: claims.p,
      codeVerifier: this.cipher.decrypt(rows[0].code_verifier, verifierBinding(claims.n)),
      nonce: claims.n,
      expiresAt: new Date(rows[0].expires_at),
    };
  }
}
