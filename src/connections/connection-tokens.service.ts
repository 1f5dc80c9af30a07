import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { rows } from '../app/database/sql';
import { DomainError } from '../app/errors/domain.error';
import { logger } from '../app/logging/logger';
import { TokenSet } from '../providers/calendar-provider';
import { AccessTokenExpiredError, GrantRevokedError } from '../providers/provider.errors';
import { ProviderRegistry } from '../providers/provider-registry';
import { Connection } from './connection.entity';
import { ConnectionStatus, PauseReason, Provider } from './connection.enums';
import { ConnectionEvents } from './connection-events';
import { binding, TokenCipher } from './token-cipher';

const REFRESH_MARGIN_MS = 2 * 60_000;
// Longer than the slowest refresh (the drivers' retries wait at most ~90 s), so a lease ends by release, not by expiry.
const REFRESH_LEASE_SECONDS = 150;
const LEASE_POLL_MS = 100;
// A refresh retries when the stored credentials changed under it (a reconnect, another instance); bounded.
const MAX_REFRESH_ROUNDS = 4;
const PROVIDER_NAME: Record<Provider, string> = { OUTLOOK: 'Outlook', GOOGLE: 'Google' };

export const reauthMessage = (c: Pick<Connection, 'provider' | 'accountEmail'>) =>
  `${PROVIDER_NAME[c.provider]} no longer accepts calbridge's access to ${c.accountEmail} (it was revoked or expired). Reconnect the account to resume syncing.`;

export const needsReauthError = (c: Pick<Connection, 'provider' | 'accountEmail'>) => new DomainError('CONNECTION_NEEDS_REAUTH', reauthMessage(c));

/** What a connection's credentials ciphertext is bound to (its row). */
export const credentialsBinding = (connectionId: string) => binding('connections.credentials', connectionId);

/** Points in the refresh where tests reproduce races deterministically; empty in production. */
export interface TokenRefreshHooks {
  /** The provider refused the refresh token; runs before the connection may be marked NEEDS_REAUTH. */
  refreshRefused?: (connectionId: string) => Promise<void>;
}

/** Runs a token refresh (e.g. holding a request slot of the mailbox). */
export type RefreshWrapper = <T>(refresh: () => Promise<T>) => Promise<T>;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const expiring = (t: TokenSet) => t.expiresAt.getTime() - Date.now() <= REFRESH_MARGIN_MS;

interface CredentialsRow {
  credentials: string;
  status: ConnectionStatus;
  leased: boolean;
}

/**
 * Tokens of a connection: decrypted on use, refreshed before expiry, and NEEDS_REAUTH when the provider refuses.
 * No database transaction is held across a provider call: a refresh claims a lease on the row (one refresher
 * at a time across instances, as rotating refresh tokens require), and every write compares the stored
 * ciphertext with the one it started from, so a concurrent reconnect always wins.
 */
export class ConnectionTokens {
  readonly hooks: TokenRefreshHooks = {};

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
   * Valid tokens for a run of several provider calls (a sync's pages): refreshed ahead of expiry, or now
   * (`force`) after the provider answered 401 in the middle. Throws CONNECTION_NEEDS_REAUTH when refused.
   * `aroundRefresh` wraps the refresh, the only provider call here (the sync jobs hold a request slot of the
   * mailbox for it): tokens still valid need no slot.
   */
  async current(conn: Connection, opts: { force?: boolean; aroundRefresh?: RefreshWrapper } = {}): Promise<TokenSet> {
    if (conn.status === ConnectionStatus.NEEDS_REAUTH) throw needsReauthError(conn);
    return this.fresh(conn, opts.force === true, opts.aroundRefresh);
  }

  private async fresh(conn: Connection, force: boolean, around?: RefreshWrapper): Promise<TokenSet> {
    const current = this.open(conn.id, conn.credentials);
    if (!force && !expiring(current)) {
      if (this.cipher.isStale(conn.credentials)) await this.reseal(conn, current);
      return current;
    }
    try {
      const { sealed, tokens } = around ? await around(() => this.refresh(conn)) : await this.refresh(conn);
      conn.credentials = sealed;
      return tokens;
    } catch (err) {
      if (err instanceof DomainError && err.code === 'CONNECTION_NEEDS_REAUTH') {
        conn.status = ConnectionStatus.NEEDS_REAUTH;
        conn.pauseReason = PauseReason.NEEDS_REAUTH;
        conn.lastError = reauthMessage(conn);
      }
      throw err;
    }
  }

  /**
   * Newer credentials than `conn.credentials`: those another refresher or a reconnect stored meanwhile, else
   * the provider's answer to our refresh (under the lease). A refused refresh marks NEEDS_REAUTH only while
   * the stored credentials are still the refused ones.
   */
  private async refresh(conn: Connection): Promise<{ sealed: string; tokens: TokenSet }> {
    let unsaved: TokenSet | null = null;
    for (let round = 0; round < MAX_REFRESH_ROUNDS; round++) {
      const row = await this.read(conn.id);
      if (row.status === ConnectionStatus.NEEDS_REAUTH) throw needsReauthError(conn);
      const latest = this.open(conn.id, row.credentials);
      if (row.credentials !== conn.credentials && !expiring(latest)) return { sealed: row.credentials, tokens: latest };
      if (unsaved) return { sealed: conn.credentials, tokens: unsaved };

      const lease = randomUUID();
      if (row.leased || !(await this.claim(conn.id, row.credentials, lease))) {
        await this.awaitOtherRefresher(conn.id, row.credentials);
        continue;
      }
      let refreshed: TokenSet;
      try {
        refreshed = await this.providers.get(conn.provider).refresh(latest);
      } catch (err) {
        if (!(err instanceof GrantRevokedError)) {
          await this.release(conn.id, lease);
          throw err;
        }
        await this.hooks.refreshRefused?.(conn.id);
        if (await this.markNeedsReauthIf(conn, row.credentials, lease)) throw needsReauthError(conn);
        // The credentials changed while the provider answered (a reconnect): use those.
        await this.release(conn.id, lease);
        continue;
      }
      const merged: TokenSet = { ...refreshed, refreshToken: refreshed.refreshToken ?? latest.refreshToken };
      const sealed = this.seal(conn.id, merged);
      const stored = await rows(
        this.ds,
        `UPDATE connections SET credentials = $3, refresh_lease = NULL, refresh_lease_until = NULL, updated_at = now()
          WHERE id = $1 AND credentials = $2 RETURNING id`,
        [conn.id, row.credentials, sealed],
      );
      if (stored.length) return { sealed, tokens: merged };
      // A reconnect stored other credentials meanwhile: they win; ours still serve this call if theirs cannot.
      await this.release(conn.id, lease);
      unsaved = merged;
    }
    throw new Error(`the credentials of connection ${conn.id} kept changing during a refresh`);
  }

  private async read(connectionId: string): Promise<CredentialsRow> {
    const [row] = await rows<CredentialsRow>(
      this.ds,
      `SELECT credentials, status, coalesce(refresh_lease_until > now(), false) AS leased FROM connections WHERE id = $1`,
      [connectionId],
    );
    if (!row) throw new DomainError('NOT_FOUND', 'The connection was disconnected');
    return row;
  }

  private async claim(connectionId: string, credentials: string, lease: string): Promise<boolean> {
    const claimed = await rows(
      this.ds,
      `UPDATE connections SET refresh_lease = $3, refresh_lease_until = now() + make_interval(secs => $4)
        WHERE id = $1 AND credentials = $2 AND (refresh_lease_until IS NULL OR refresh_lease_until <= now()) RETURNING id`,
      [connectionId, credentials, lease, REFRESH_LEASE_SECONDS],
    );
    return claimed.length > 0;
  }

  private async release(connectionId: string, lease: string): Promise<void> {
    await this.ds.query(`UPDATE connections SET refresh_lease = NULL, refresh_lease_until = NULL WHERE id = $1 AND refresh_lease = $2`, [connectionId, lease]);
  }

  /** Waits (polling the row) until another refresher stored, gave up, or its lease ran out. */
  private async awaitOtherRefresher(connectionId: string, credentials: string): Promise<void> {
    for (;;) {
      const [row] = await rows<{ same: boolean; leased: boolean }>(
        this.ds,
        `SELECT credentials = $2 AND status <> 'NEEDS_REAUTH' AS same, coalesce(refresh_lease_until > now(), false) AS leased FROM connections WHERE id = $1`,
        [connectionId, credentials],
      );
      if (!row || !row.same || !row.leased) return;
      await sleep(LEASE_POLL_MS);
    }
  }

  /** NEEDS_REAUTH, but only while the stored credentials are still `refused` (a reconnect may have replaced them). */
  private async markNeedsReauthIf(conn: Connection, refused: string, lease: string): Promise<boolean> {
    const message = reauthMessage(conn);
    const marked = await rows(
      this.ds,
      `UPDATE connections SET status = 'NEEDS_REAUTH', pause_reason = 'NEEDS_REAUTH', last_error = $4, refresh_lease = NULL, refresh_lease_until = NULL, updated_at = now()
        WHERE id = $1 AND credentials = $2 AND refresh_lease = $3 RETURNING id`,
      [conn.id, refused, lease, message],
    );
    if (!marked.length) {
      logger.info({ connectionId: conn.id }, 'refresh refused, but the connection was reconnected meanwhile: it stays as it is');
      return false;
    }
    conn.status = ConnectionStatus.NEEDS_REAUTH;
    conn.pauseReason = PauseReason.NEEDS_REAUTH;
    conn.lastError = message;
    logger.warn({ connectionId: conn.id, provider: conn.provider }, 'provider refused the refresh token: connection needs reauthorization');
    this.events.statusChanged(conn);
    return true;
  }

  /** Rewrites a ciphertext of an older format or key under the newest key, unless the row changed meanwhile. */
  private async reseal(conn: Connection, tokens: TokenSet): Promise<void> {
    const sealed = this.seal(conn.id, tokens);
    const updated = await rows(this.ds, `UPDATE connections SET credentials = $3 WHERE id = $1 AND credentials = $2 RETURNING id`, [conn.id, conn.credentials, sealed]);
    if (updated.length) conn.credentials = sealed;
  }
}
