import { DataSource } from 'typeorm';
import { rows as sqlRows } from '../app/database/sql';
import { Provider } from './connection.enums';

/** A browser completion held until the account's owner confirms it (credentials: TokenCipher ciphertext). */
export interface HeldConfirmation {
  tokenHash: string;
  stateNonce: string;
  userId: string;
  locationId: string;
  provider: Provider;
  accountExternalId: string;
  accountEmail: string;
  accountName: string | null;
  credentials: string;
  expiresAt: Date;
}

/** Who and where an attempt is for, as the confirmation page names them. */
export interface AttemptParties {
  userName: string;
  userEmail: string;
  locationName: string;
}

interface Row {
  token_hash: string;
  state_nonce: string;
  user_id: string;
  location_id: string;
  provider: Provider;
  account_external_id: string;
  account_email: string;
  account_name: string | null;
  credentials: string;
  expires_at: Date;
  live: boolean;
}

/** The SQL of held OAuth confirmations (oauth_confirmations). */
export class OAuthConfirmationRepository {
  constructor(private readonly ds: DataSource) {}

  async hold(c: HeldConfirmation): Promise<void> {
    await this.ds.query(
      `INSERT INTO oauth_confirmations (token_hash, state_nonce, user_id, location_id, provider, account_external_id, account_email, account_name, credentials, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [c.tokenHash, c.stateNonce, c.userId, c.locationId, c.provider, c.accountExternalId, c.accountEmail, c.accountName, c.credentials, c.expiresAt],
    );
    // What expired can no longer be confirmed; its tokens go with it.
    await this.ds.query(`DELETE FROM oauth_confirmations WHERE expires_at < now()`);
  }

  /**
   * Takes (deletes) the confirmation with this token hash for this provider: single use whatever the answer.
   * Null when there is none, or it expired.
   */
  async take(tokenHash: string, provider: Provider): Promise<HeldConfirmation | null> {
    const [row] = await sqlRows<Row>(this.ds, `DELETE FROM oauth_confirmations WHERE token_hash = $1 AND provider = $2 RETURNING *, expires_at > now() AS live`, [
      tokenHash,
      provider,
    ]);
    if (!row?.live) return null;
    return {
      tokenHash: row.token_hash,
      stateNonce: row.state_nonce,
      userId: row.user_id,
      locationId: row.location_id,
      provider: row.provider,
      accountExternalId: row.account_external_id,
      accountEmail: row.account_email,
      accountName: row.account_name,
      credentials: row.credentials,
      expiresAt: new Date(row.expires_at),
    };
  }

  async parties(userId: string, locationId: string): Promise<AttemptParties | null> {
    const [row] = await this.ds.query(`SELECT u.name AS user_name, u.email AS user_email, l.name AS location_name FROM users u, locations l WHERE u.id = $1 AND l.id = $2`, [
      userId,
      locationId,
    ]);
    return row ? { userName: row.user_name, userEmail: row.user_email, locationName: row.location_name } : null;
  }
}
