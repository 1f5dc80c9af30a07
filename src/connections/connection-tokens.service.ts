import { DataSource } from 'typeorm';
import { DomainError } from '../app/errors/domain.error';
import { logger } from '../app/logging/logger';
import { TokenSet } from '../providers/calendar-provider';
import { AccessTokenExpiredError, GrantRevokedError } from '../providers/provider.errors';
import { ProviderRegistry } from '../providers/provider-registry';
import { Connection } from './connection.entity';
import { ConnectionStatus, Provider } from './connection.enums';
import { ConnectionEvents } from './connection-events';
import { binding, TokenCipher } from './token-cipher';

const REFRESH_MARGIN_MS = 2 * 60_000;
const PROVIDER_NAME: Record<Provider, string> = { OUTLOOK: 'Outlook', GOOGLE: 'Google' };

export const reauthMessage = (c: Pick<Connection, 'provider' | 'accountEmail'>) =>
  `${PROVIDER_NAME[c.provider]} no longer accepts calbridge's access to ${c.accountEmail} (it was revoked or expired). Reconnect the account to resume syncing.`;

export const needsReauthError = (c: Pick<Connection, 'provider' | 'accountEmail'>) => new DomainError('CONNECTION_NEEDS_REAUTH', reauthMessage(c));

/** What a connection's credentials ciphertext is bound to (its row). */
export const credentialsBinding = (connectionId: string) => binding('connections.credentials', connectionId);

/** Tokens of a connection: decrypted on use, refreshed before expiry, and NEEDS_REAUTH when the provider refuses. */
export class ConnectionTokens {
  constructor(
    private readonly ds: DataSource,
    private readonly cipher: TokenCipher,
    private readonly providers: ProviderRegistry,
    private readonly events: ConnectionEvents,
  ) {}

  seal(connectionId: string, tokens: TokenSet): string {
    return this.cipher.encrypt(JSON.stringify(tokens), credentialsBinding(connectionId));
  }

  open(connectionId: string, sealed: string): TokenSet {
    const t = JSON.parse(this.cipher.decrypt(sealed, credentialsBinding(connectionId))) as TokenSet & { expiresAt: string };
    return { ...t, expiresAt: new Date(t.expiresAt) };
  }

  /** Runs `fn` with valid tokens; one refresh-and-retry when the provider says the access token expired. */
  async use<T>(conn: Connection, fn: (tokens: TokenSet) => Promise<T>): Promise<T> {
    if (conn.status === ConnectionStatus.NEEDS_REAUTH) throw needsReauthError(conn);
    let tokens = await this.fresh(conn, false);
    try {
      return await fn(tokens);
    } catch (err) {
      if (!(err instanceof AccessTokenExpiredError)) throw err;
      tokens = await this.fresh(conn, true);
      return fn(tokens);
    }
  }

  /**
   * Refreshes under a row lock so that instances never race a rotating refresh token
   * (the loser would otherwise present an already-rotated token and be refused).
   */
  private async fresh(conn: Connection, force: boolean): Promise<TokenSet> {
    const current = this.open(conn.id, conn.credentials);
    if (!force && current.expiresAt.getTime() - Date.now() > REFRESH_MARGIN_MS) return current;
    try {
      return await this.ds.transaction(async (tx) => {
        const [row] = await tx.query(`SELECT credentials, status FROM connections WHERE id = $1 FOR UPDATE`, [conn.id]);
        if (!row) throw new DomainError('NOT_FOUND', 'The connection was disconnected');
        const latest = this.open(conn.id, row.credentials);
        // Another instance refreshed while we waited for the lock.
        if (row.credentials !== conn.credentials && latest.expiresAt.getTime() - Date.now() > REFRESH_MARGIN_MS) {
          conn.credentials = row.credentials;
          return latest;
        }
        const refreshed = await this.providers.get(conn.provider).refresh(latest);
        const merged: TokenSet = { ...refreshed, refreshToken: refreshed.refreshToken ?? latest.refreshToken };
        conn.credentials = this.seal(conn.id, merged);
        await tx.query(`UPDATE connections SET credentials = $2, updated_at = now() WHERE id = $1`, [conn.id, conn.credentials]);
        return merged;
      });
    } catch (err) {
      if (err instanceof GrantRevokedError) {
        await this.markNeedsReauth(conn);
        throw needsReauthError(conn);
      }
      throw err;
    }
  }

  async markNeedsReauth(conn: Connection): Promise<void> {
    conn.status = ConnectionStatus.NEEDS_REAUTH;
    conn.lastError = reauthMessage(conn);
    await this.ds.query(`UPDATE connections SET status = 'NEEDS_REAUTH', last_error = $2, updated_at = now() WHERE id = $1`, [conn.id, conn.lastError]);
    logger.warn({ connectionId: conn.id, provider: conn.provider }, 'provider refused the refresh token: connection needs reauthorization');
    this.events.statusChanged(conn);
  }
}
