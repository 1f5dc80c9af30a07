import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AccessService } from '../app/auth/access.service';
import { rows as sqlRows } from '../app/database/sql';
import { UserViewer, Viewer } from '../app/auth/viewer';
import { DomainError } from '../app/errors/domain.error';
import { badInput, forbidden, notFound } from '../app/errors/errors';
import { logger } from '../app/logging/logger';
import { ProviderAccount, ProviderCalendarInfo, TokenSet } from '../providers/calendar-provider';
import { ProviderRegistry } from '../providers/provider-registry';
import { PushChannelRepository } from '../sync/push-channel.repository';
import { PushChannelRow, PushChannelService } from '../sync/push-channel.service';
import { FeatureScope } from '../tenancy/feature-hooks';
import { Location } from '../tenancy/location.entity';
import { ensureMembershipRow } from '../tenancy/location-membership';
import { PlanGateService } from '../tenancy/plan-gate.service';
import { CrossLocationPolicy } from '../tenancy/tenancy.enums';
import { Connection } from './connection.entity';
import { ConnectionStatus, FEATURE_OF, Provider, SyncState } from './connection.enums';
import { ConnectionEvents } from './connection-events';
import { alreadyConnected, connectedToAnotherUser, featureOffMessage, inAnotherLocation } from './connection-rules';
import { availabilityIn, isFeatureAvailable } from './feature-availability';
import { ConnectionTokens, needsReauthError } from './connection-tokens.service';
import { OAuthStateService, VerifiedState } from './oauth-state.service';
import { createPkce } from './pkce';

/** A connection attempt whose state was verified and whose checks passed. */
export interface CompletionAttempt {
  userId: string;
  locationId: string;
  provider: Provider;
  agencyId: string;
}

/** What the provider granted for an attempt: tokens, and the account they belong to. */
export interface ProviderGrant {
  tokens: TokenSet;
  account: ProviderAccount;
}

export interface ConnectionServiceDeps {
  ds: DataSource;
  access: AccessService;
  planGate: PlanGateService;
  providers: ProviderRegistry;
  states: OAuthStateService;
  tokens: ConnectionTokens;
  push: PushChannelService;
  events: ConnectionEvents;
  publicUrl: () => string;
  syncWindow: () => { from: Date; to: Date };
  /** Offer the CRM user's own email first on the provider's account page (sandbox mode). */
  accountHint?: boolean;
  /** A connection can write again (connected, reconnected): the appointment writes it held go out. */
  onActive?: (connectionId: string) => Promise<void>;
}

export class ConnectionService {
  constructor(private readonly d: ConnectionServiceDeps) {}

  redirectUri(provider: Provider): string {
    return `${this.d.publicUrl()}/oauth/${provider.toLowerCase()}/callback`;
  }

  /**
   * Authentication, membership and gating only; nobody starts a connection for someone else. `loginHint` signs
   * that account in (the provider may skip its account page); without it, in sandbox mode, the user's own
   * email is offered first on that page.
   */
  async start(viewer: Viewer, locationId: string, provider: Provider, loginHint?: string): Promise<{ authorizationUrl: string; state: string }> {
    const user = this.requireUser(viewer);
    const loc = await this.d.access.requireLocation(viewer, locationId, 'member');
    await this.d.planGate.assertAvailable({ userType: user.user.type, agencyId: loc.agencyId, locationId: loc.id }, FEATURE_OF[provider]);
    const pkce = createPkce();
    const state = await this.d.states.issue(user.user.id, locationId, provider, pkce.verifier);
    const authorizationUrl = await this.d.providers.get(provider).authorizationUrl({
      redirectUri: this.redirectUri(provider),
      state,
      codeChallenge: pkce.challenge,
      loginHint,
      accountHint: !loginHint && this.d.accountHint ? user.user.email : undefined,
    });
    return { authorizationUrl, state };
  }

  /**
   * Finishes OAuth for a client that received the redirect itself: the state, then the attempt's checks
   * (membership, plan gating) before the provider is asked anything, then the code, then the finish.
   */
  async complete(viewer: Viewer, state: string, code: string): Promise<Connection> {
    const { attempt, verified } = await this.beginCompletion(viewer, state, code);
    const grant = await this.redeemCode(attempt, verified, code);
    return this.finishCompletion(attempt, grant);
  }

  /**
   * Consumes the state and checks the attempt. `viewer` null is the browser callback (the signed,
   * single-use state names the user; the callback then decides whether the account's owner must confirm).
   */
  async beginCompletion(viewer: Viewer | null, state: string, code: string, expectedProvider?: Provider): Promise<{ attempt: CompletionAttempt; verified: VerifiedState }> {
    if (viewer && viewer.kind !== 'user') throw new DomainError('OAUTH_STATE_INVALID', 'This connection attempt is no longer valid (it was issued to another user). Start connecting again.');
    if (!code?.trim()) throw badInput('code', 'must not be empty');
    const verified = await this.d.states.consume(state, viewer ? viewer.user.id : null, expectedProvider);
    return { attempt: await this.checkAttempt(verified), verified };
  }

  /** The code exchanged for tokens, and whose account they are. Provider failures (a refused code, an outage) map publicly. */
  async redeemCode(attempt: CompletionAttempt, verified: VerifiedState, code: string): Promise<ProviderGrant> {
    const driver = this.d.providers.get(attempt.provider);
    const tokens: TokenSet = await driver.exchangeCode({ code, codeVerifier: verified.codeVerifier, redirectUri: this.redirectUri(attempt.provider) });
    return { tokens, account: await driver.whoAmI(tokens) };
  }

  /**
   * A completion the browser callback held until the account's owner confirmed it: the attempt's checks
   * again (time has passed), then the same finish as completeConnection.
   */
  async completeConfirmed(held: Pick<CompletionAttempt, 'userId' | 'locationId' | 'provider'>, grant: ProviderGrant): Promise<Connection> {
    return this.finishCompletion(await this.checkAttempt(held), grant);
  }

  /**
   * PRODUCT.md's checks in order: on-premises mailbox, held by another user, cross-location policy,
   * a different account of that provider already here; the same account re-authorizes in place.
   */
  async finishCompletion(attempt: CompletionAttempt, grant: ProviderGrant): Promise<Connection> {
    const { userId, locationId, provider } = attempt;
    const { tokens, account } = grant;
    const calendars: ProviderCalendarInfo[] = await this.d.providers.get(provider).listCalendars(tokens);
    const { conn, orphanedChannels } = await this.persist(userId, locationId, attempt.agencyId, provider, account, tokens, calendars);
    await this.d.push.stopChannels(conn, orphanedChannels);
    await this.d.push.reconcile(conn);
    this.d.events.statusChanged(conn);
    await this.d.onActive?.(conn.id).catch((err) => logger.error({ err, connectionId: conn.id }, 'releasing held appointment writes failed'));
    const window = this.d.syncWindow();
    this.d.events.conflictsChanged(locationId, userId, window.from, window.to);
    return conn;
  }

  /** The state's user is still an active member of the location and the plan still allows the provider there for them. */
  private async checkAttempt(a: Pick<CompletionAttempt, 'userId' | 'locationId' | 'provider'>): Promise<CompletionAttempt> {
    const { userId, locationId, provider } = a;
    const loc = await this.d.ds.getRepository(Location).findOneBy({ id: locationId });
    const user = loc && (await this.d.access.activeMembers(loc, [userId])).get(userId);
    if (!loc || !user) throw notFound('Location', locationId);
    await this.d.planGate.assertAvailable({ userType: user.type, agencyId: loc.agencyId, locationId }, FEATURE_OF[provider]);
    return { userId, locationId, provider, agencyId: loc.agencyId };
  }

  /** The provider's "access denied" redirect: spend the state so it cannot be replayed; nothing is stored. */
  async abandon(state: string): Promise<void> {
    const claims = this.d.states.decode(state);
    if (claims) await this.d.states.consume(state, claims.userId).catch(() => undefined);
  }

  private async persist(
    userId: string,
    locationId: string,
    agencyId: string,
    provider: Provider,
    account: ProviderAccount,
    tokens: TokenSet,
    calendars: ProviderCalendarInfo[],
  ): Promise<{ conn: Connection; orphanedChannels: PushChannelRow[] }> {
    try {
      return await this.d.ds.transaction(async (tx) => {
        // An agency admin connecting where they were never added is a member all the same; the row anchors their connection.
        await ensureMembershipRow(tx, { id: locationId, agencyId }, userId);
        // The account row is the lock that serializes concurrent completions for one account.
        await tx.query(`INSERT INTO provider_accounts (provider, external_id, user_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [provider, account.externalId, userId]);
        const [owner] = await tx.query(`SELECT user_id FROM provider_accounts WHERE provider = $1 AND external_id = $2 FOR UPDATE`, [provider, account.externalId]);
        if (owner.user_id !== userId) throw connectedToAnotherUser(provider, account.email);

        const [agency] = await tx.query(`SELECT cross_location_policy FROM agencies WHERE id = $1`, [agencyId]);
        if (agency.cross_location_policy === CrossLocationPolicy.DENY) {
          const [elsewhere] = await tx.query(
            `SELECT 1 FROM connections WHERE provider = $1 AND account_external_id = $2 AND user_id = $3 AND location_id <> $4 LIMIT 1`,
            [provider, account.externalId, userId, locationId],
          );
          if (elsewhere) throw inAnotherLocation(provider, account.email);
        }

        const [existing] = await tx.query(`SELECT id, account_external_id, account_email FROM connections WHERE location_id = $1 AND user_id = $2 AND provider = $3 FOR UPDATE`, [
          locationId, userId, provider,
        ]);
        if (existing && existing.account_external_id !== account.externalId) throw alreadyConnected(provider, existing.account_email);

        // The ciphertext is bound to its row, so a new row's id is chosen before sealing.
        const id: string = existing?.id ?? randomUUID();
        const sealed = this.d.tokens.seal(id, tokens);
        const repo = tx.getRepository(Connection);
        let conn: Connection;
        if (existing) {
          // Same account again: re-authorize in place, keeping the configuration.
          await repo.update(existing.id, { credentials: sealed, grantedScopes: tokens.grantedScopes, status: ConnectionStatus.ACTIVE, lastError: null, accountEmail: account.email });
          conn = await repo.findOneByOrFail({ id: existing.id });
        } else {
          conn = await repo.save(
            repo.create({
              id, agencyId, locationId, userId, provider,
              accountExternalId: account.externalId,
              accountEmail: account.email,
              status: ConnectionStatus.ACTIVE,
              syncState: SyncState.IDLE,
              credentials: sealed,
              grantedScopes: tokens.grantedScopes,
              lastSyncedAt: null,
              lastError: null,
            }),
          );
        }
        // A re-authorization may grant less than before: say why the selection changed.
        const changes = await syncCalendarList(tx, conn.id, calendars);
        const notice = calendarListNotice(account.email, changes);
        if (notice) {
          await tx.query(`UPDATE connections SET last_error = $2 WHERE id = $1`, [conn.id, notice]);
          conn.lastError = notice;
        }
        // A new connection protects availability at once; a re-authorization keeps the configuration as it is.
        if (!existing) await ensureDefaultConflictCalendar(tx, conn, calendars);
        return { conn, orphanedChannels: changes.orphanedChannels };
      });
    } catch (err) {
      // A concurrent completion won the (location, user, provider) slot with another account.
      if ((err as { code?: string }).code === '23505' && /connections_location_id_user_id_provider_key/.test(String((err as Error).message))) {
        const [winner] = await this.d.ds.query(`SELECT account_email FROM connections WHERE location_id = $1 AND user_id = $2 AND provider = $3`, [locationId, userId, provider]);
        if (winner) throw alreadyConnected(provider, winner.account_email);
      }
      throw err;
    }
  }

  /** Connections of a user in a location: the owner and those who manage the location. */
  async list(viewer: Viewer, locationId: string, userId?: string | null): Promise<Connection[]> {
    const loc = await this.d.access.requireLocation(viewer, locationId, 'read');
    const targetId = await this.d.access.requireTargetUser(viewer, loc, userId, { forbidden: "Only admins of this location may see other users' connections" });
    return this.d.ds.getRepository(Connection).find({ where: { locationId, userId: targetId }, order: { createdAt: 'ASC' } });
  }

  /** Always works (never gated): calendars leave every selection, push stops, tokens and synced data go; appointments stay. */
  async disconnect(viewer: Viewer, id: string): Promise<boolean> {
    const conn = await this.d.access.requireConnection(viewer, id);
    await this.d.push.stopAll(conn);
    await this.d.ds.transaction((tx) => removeConnection(tx, conn));
    conn.syncState = SyncState.IDLE;
    this.d.events.statusChanged(conn, true);
    const window = this.d.syncWindow();
    this.d.events.conflictsChanged(conn.locationId, conn.userId, window.from, window.to);
    return true;
  }

  /** Disconnects a user's connections in these locations (membership ends), inside the caller's transaction; push is stopped first. */
  async disconnectForMembership(tx: EntityManager, userId: string, locationIds: string[]): Promise<void> {
    const conns = await tx.getRepository(Connection).createQueryBuilder('c').where('c.user_id = :userId AND c.location_id = ANY(:locationIds)', { userId, locationIds }).getMany();
    for (const conn of conns) {
      await this.d.push.stopAll(conn);
      await removeConnection(tx, conn);
      this.d.events.statusChanged(conn, true);
    }
  }

  /**
   * The supported repair: refresh the calendar list (the connection's lastError then says why the selection
   * changed, or is cleared) and restart push, including channels the provider dropped on its side.
   */
  async resync(viewer: Viewer, id: string): Promise<Connection> {
    const conn = await this.d.access.requireConnection(viewer, id);
    if (conn.status === ConnectionStatus.NEEDS_REAUTH) throw needsReauthError(conn);
    const driver = this.d.providers.get(conn.provider);
    const calendars = await this.d.tokens.use(conn, (t) => driver.listCalendars(t));
    const changes = await this.d.ds.transaction(async (tx) => {
      const found = await syncCalendarList(tx, conn.id, calendars);
      // The notice of this refresh, else the reason push stays off after a downgrade, else nothing.
      const notice = calendarListNotice(conn.accountEmail, found) ?? ((await isFeatureAvailable(tx, conn.id)) ? null : featureOffMessage(conn.provider));
      await tx.query(`UPDATE connections SET last_error = $2, updated_at = now() WHERE id = $1 AND status = 'ACTIVE'`, [conn.id, notice]);
      return found;
    });
    await this.d.push.stopChannels(conn, changes.orphanedChannels);
    await this.d.push.restart(conn);
    const fresh = await this.d.ds.getRepository(Connection).findOneByOrFail({ id: conn.id });
    this.d.events.statusChanged(fresh);
    if (changes.removedSelected.length) {
      const window = this.d.syncWindow();
      this.d.events.conflictsChanged(conn.locationId, conn.userId, window.from, window.to);
    }
    return fresh;
  }

  /**
   * After the enabled features changed (plan catalogue, agency plan, location switch): connections whose feature
   * is gone stop push and say why; those whose feature is back resume push. Their data stays either way.
   */
  async applyFeatureAvailability(scope: FeatureScope): Promise<void> {
    for (const { id, available } of await availabilityIn(this.d.ds, scope)) {
      const conn = await this.d.ds.getRepository(Connection).findOneBy({ id });
      if (!conn || conn.status !== ConnectionStatus.ACTIVE) continue;
      const off = featureOffMessage(conn.provider);
      if (!available) {
        const [{ n }] = await this.d.ds.query(`SELECT count(*)::int AS n FROM push_channels WHERE connection_id = $1`, [conn.id]);
        if (conn.lastError === off && n === 0) continue; // already stopped
        await this.d.push.stopAll(conn);
        conn.lastError = off;
      } else {
        const wasOff = conn.lastError === off;
        if (wasOff) conn.lastError = null;
        // Idempotent: starts what is missing, so push resumes however the reason text was replaced meanwhile.
        await this.d.push.reconcile(conn);
        if (!wasOff) continue;
      }
      await this.d.ds.query(`UPDATE connections SET last_error = $2, updated_at = now() WHERE id = $1`, [conn.id, conn.lastError]);
      this.d.events.statusChanged(conn);
    }
  }

  private requireUser(viewer: Viewer): UserViewer {
    if (viewer.kind !== 'user') throw forbidden('Only a user can connect their own account');
    return viewer;
  }
}

/** What refreshing a connection's calendar list changed in its owner's selection. */
export interface CalendarListChanges {
  /** Names of linked calendars that lost write access and were unlinked. */
  unlinked: string[];
  /** Names of selected (linked or conflict) calendars that are gone at the provider. */
  removedSelected: string[];
  /** Push channels of the calendars that are gone: their rows went with them, the provider still has to be told. */
  orphanedChannels: PushChannelRow[];
}

/** The text a sync-status event carries (as the connection's lastError) to say why the selection changed; null when nothing did. */
export function calendarListNotice(accountEmail: string, changes: CalendarListChanges): string | null {
  const parts: string[] = [];
  for (const name of changes.unlinked) {
    parts.push(
      `The linked calendar "${name}" of ${accountEmail} can no longer be written to, so it was unlinked: new appointments are not written to a provider calendar until you choose another linked calendar.`,
    );
  }
  for (const name of changes.removedSelected) parts.push(`The calendar "${name}" is no longer available in ${accountEmail} and was removed from your calendar selection.`);
  return parts.length ? parts.join(' ') : null;
}

/**
 * Upserts the provider's calendar list: new calendars appear, calendars gone at the provider leave every
 * selection (cascade), and a linked calendar that lost write access is unlinked. Returns what changed.
 */
export async function syncCalendarList(tx: EntityManager, connectionId: string, calendars: ProviderCalendarInfo[]): Promise<CalendarListChanges> {
  const gone: Array<{ name: string }> = await tx.query(
    `SELECT pc.name FROM provider_calendars pc
      WHERE pc.connection_id = $1 AND NOT (pc.external_id = ANY($2))
        AND (EXISTS (SELECT 1 FROM conflict_calendars cc WHERE cc.provider_calendar_id = pc.id)
             OR EXISTS (SELECT 1 FROM calendar_configurations cfg WHERE cfg.linked_calendar_id = pc.id))
      ORDER BY pc.name`,
    [connectionId, calendars.map((c) => c.externalId)],
  );
  const orphanedChannels = await new PushChannelRepository(tx).ofCalendarsOtherThan(connectionId, calendars.map((c) => c.externalId));
  for (const c of calendars) {
    await tx.query(
      `INSERT INTO provider_calendars (connection_id, external_id, name, can_write, access, is_default, time_zone) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (connection_id, external_id) DO UPDATE SET name = EXCLUDED.name, can_write = EXCLUDED.can_write, access = EXCLUDED.access,
         is_default = EXCLUDED.is_default, time_zone = EXCLUDED.time_zone`,
      [connectionId, c.externalId, c.name, c.access === 'WRITE', c.access, c.isDefault, c.timeZone],
    );
  }
  await tx.query(`DELETE FROM provider_calendars WHERE connection_id = $1 AND NOT (external_id = ANY($2))`, [connectionId, calendars.map((c) => c.externalId)]);
  // A linked calendar that lost write access is unlinked (it stays a conflict calendar: it still blocks time).
  const unlinked = await sqlRows<{ name: string }>(
    tx,
    `UPDATE calendar_configurations cfg SET linked_calendar_id = NULL, updated_at = now()
       FROM provider_calendars pc WHERE cfg.linked_calendar_id = pc.id AND pc.connection_id = $1 AND NOT pc.can_write
     RETURNING pc.name`,
    [connectionId],
  );
  return { unlinked: unlinked.map((u) => u.name), removedSelected: gone.map((g) => g.name), orphanedChannels };
}

/** When the user has no conflict calendar yet in the location, the provider's default calendar becomes one. */
async function ensureDefaultConflictCalendar(tx: EntityManager, conn: Connection, calendars: ProviderCalendarInfo[]): Promise<void> {
  await tx.query(`INSERT INTO calendar_configurations (location_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [conn.locationId, conn.userId]);
  const [any] = await tx.query(`SELECT 1 FROM conflict_calendars WHERE location_id = $1 AND user_id = $2 LIMIT 1`, [conn.locationId, conn.userId]);
  const def = calendars.find((c) => c.isDefault);
  if (any || !def) return;
  await tx.query(
    `INSERT INTO conflict_calendars (location_id, user_id, provider_calendar_id)
     SELECT $1, $2, id FROM provider_calendars WHERE connection_id = $3 AND external_id = $4 ON CONFLICT DO NOTHING`,
    [conn.locationId, conn.userId, conn.id, def.externalId],
  );
}

async function removeConnection(tx: EntityManager, conn: Connection): Promise<void> {
  // The account row is the lock for everything about one account (as in completeConnection): without it, two
  // concurrent disconnects of its last two connections each see the other one and both keep the row.
  await tx.query(`SELECT 1 FROM provider_accounts WHERE provider = $1 AND external_id = $2 FOR UPDATE`, [conn.provider, conn.accountExternalId]);
  // Cascades: provider calendars → selections, push rows, synced events.
  await tx.query(`DELETE FROM connections WHERE id = $1`, [conn.id]);
  // The account is free again once its owner has no connection of it left.
  await tx.query(
    `DELETE FROM provider_accounts pa WHERE pa.provider = $1 AND pa.external_id = $2
       AND NOT EXISTS (SELECT 1 FROM connections c WHERE c.provider = pa.provider AND c.account_external_id = pa.external_id)`,
    [conn.provider, conn.accountExternalId],
  );
  logger.info({ connectionId: conn.id, provider: conn.provider }, 'connection removed');
}

