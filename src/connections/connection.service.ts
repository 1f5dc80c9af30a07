import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AccessService } from '../app/auth/access.service';
import { UserViewer, Viewer } from '../app/auth/viewer';
import { DomainError } from '../app/errors/domain.error';
import { badInput, forbidden, notFound } from '../app/errors/errors';
import { logger } from '../app/logging/logger';
import { ProviderAccount, ProviderCalendarInfo, TokenSet } from '../providers/calendar-provider';
import { ProviderRegistry } from '../providers/provider-registry';
import { calendarListNotice, CalendarListRepository } from '../sync/calendar-list.repository';
import { EventChange } from '../sync/change-range';
import { ConflictNotifier } from '../sync/conflict-notifier';
import { ExternalEventRepository } from '../sync/external-event.repository';
import { PushChannelService } from '../sync/push-channel.service';
import { applySelection, SelectionChange } from '../sync/selection';
import { SyncScheduler } from '../sync/sync-scheduler';
import { SyncStateRepository } from '../sync/sync-state.repository';
import { Location } from '../tenancy/location.entity';
import { ensureMembershipRow } from '../tenancy/location-membership';
import { PlanGateService } from '../tenancy/plan-gate.service';
import { CrossLocationPolicy } from '../tenancy/tenancy.enums';
import { Connection } from './connection.entity';
import { ConnectionStatus, FEATURE_OF, PauseReason, Provider, SyncState } from './connection.enums';
import { ConnectionEvents } from './connection-events';
import { alreadyConnected, connectedToAnotherUser, inAnotherLocation } from './connection-rules';
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
  /** Disconnect stops push at the provider before the tokens go. */
  push: PushChannelService;
  sync: SyncScheduler;
  conflicts: ConflictNotifier;
  events: ConnectionEvents;
  publicUrl: () => string;
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
    const { conn, selection } = await this.persist(userId, locationId, attempt.agencyId, provider, account, tokens, calendars);
    // The first sync of the selected calendars (the default one, for a new connection) and push are the jobs' work;
    // so is stopping the channels of calendars a re-authorization no longer lists.
    await this.d.sync.syncCalendars(selection.added, { full: true });
    await this.d.sync.reconcilePush(conn.id);
    await this.d.conflicts.changed(conn, selection.freed);
    const fresh = await this.d.ds.getRepository(Connection).findOneByOrFail({ id: conn.id });
    this.d.events.statusChanged(fresh);
    await this.d.onActive?.(conn.id).catch((err) => logger.error({ err, connectionId: conn.id }, 'releasing held appointment writes failed'));
    return fresh;
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
  ): Promise<{ conn: Connection; selection: SelectionChange }> {
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
          // The plan gate passed just now, so nothing pauses it any more.
          await repo.update(existing.id, { credentials: sealed, grantedScopes: tokens.grantedScopes, status: ConnectionStatus.ACTIVE, pauseReason: PauseReason.NONE, lastError: null, accountEmail: account.email });
          conn = await repo.findOneByOrFail({ id: existing.id });
        } else {
          conn = await repo.save(
            repo.create({
              id, agencyId, locationId, userId, provider,
              accountExternalId: account.externalId,
              accountEmail: account.email,
              status: ConnectionStatus.ACTIVE,
              pauseReason: PauseReason.NONE,
              syncState: SyncState.IDLE,
              credentials: sealed,
              grantedScopes: tokens.grantedScopes,
              lastSyncedAt: null,
              lastError: null,
            }),
          );
        }
        // A re-authorization may grant less than before: say why the selection changed.
        const changes = await new CalendarListRepository(tx).apply(conn.id, calendars);
        const notice = calendarListNotice(account.email, changes);
        if (notice) {
          await tx.query(`UPDATE connections SET last_error = $2 WHERE id = $1`, [conn.id, notice]);
          conn.lastError = notice;
        }
        // A new connection protects availability at once; a re-authorization keeps the configuration as it is.
        if (!existing) await ensureDefaultConflictCalendar(tx, conn, calendars);
        await tx.query(`UPDATE connections SET calendars_listed_at = now() WHERE id = $1`, [conn.id]);
        return { conn, selection: await applySelection(tx, conn.id) };
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
    const freed = await this.d.ds.transaction((tx) => removeConnection(tx, conn));
    conn.syncState = SyncState.IDLE;
    this.d.events.statusChanged(conn, true);
    await this.d.conflicts.changed(conn, freed);
    return true;
  }

  /** Disconnects a user's connections in these locations (membership ends), inside the caller's transaction; push is stopped first. */
  async disconnectForMembership(tx: EntityManager, userId: string, locationIds: string[]): Promise<void> {
    const conns = await tx.getRepository(Connection).createQueryBuilder('c').where('c.user_id = :userId AND c.location_id = ANY(:locationIds)', { userId, locationIds }).getMany();
    for (const conn of conns) {
      await this.d.push.stopAll(conn);
      await removeConnection(tx, conn);
      // The user leaves the location: nobody there is told about their time any more.
      this.d.events.statusChanged(conn, true);
    }
  }

  /**
   * The supported repair: every selected calendar is synced fully again, the calendar list is refreshed (the
   * connection's lastError then says why the selection changed) and push restarts, including channels the
   * provider dropped on its side. Returns at once with syncState QUEUED; the jobs do the provider work. A
   * connection paused by a downgrade keeps saying why.
   */
  async resync(viewer: Viewer, id: string): Promise<Connection> {
    const conn = await this.d.access.requireConnection(viewer, id);
    if (conn.status === ConnectionStatus.NEEDS_REAUTH) throw needsReauthError(conn);
    if (conn.pauseReason !== PauseReason.NONE) return conn;
    await this.d.ds.query(`UPDATE connections SET last_error = NULL, updated_at = now() WHERE id = $1 AND status = 'ACTIVE'`, [conn.id]);
    await this.d.sync.refreshCalendarList(conn.id);
    await this.d.sync.reconcilePush(conn.id, { restart: true });
    await this.d.sync.syncConnection(conn.id, { full: true, trigger: 'resync' });
    const fresh = await this.d.ds.getRepository(Connection).findOneByOrFail({ id: conn.id });
    // Every resync is announced (the QUEUED state, or the cleared notice), even when the state was already QUEUED.
    this.d.events.statusChanged(fresh);
    // A calendar still syncing keeps the connection SYNCING, but this full resync waits behind it: the answer says so.
    return fresh.syncState === SyncState.SYNCING ? Object.assign(new Connection(), fresh, { syncState: SyncState.QUEUED }) : fresh;
  }

  private requireUser(viewer: Viewer): UserViewer {
    if (viewer.kind !== 'user') throw forbidden('Only a user can connect their own account');
    return viewer;
  }
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

async function removeConnection(tx: EntityManager, conn: Connection): Promise<EventChange[]> {
  // The account row is the lock for everything about one account (as in completeConnection): without it, two
  // concurrent disconnects of its last two connections each see the other one and both keep the row.
  await tx.query(`SELECT 1 FROM provider_accounts WHERE provider = $1 AND external_id = $2 FOR UPDATE`, [conn.provider, conn.accountExternalId]);
  // The calendars are locked first (after a sync write in progress, in its lock order), then the synced events go
  // (their time is freed); then cascades: provider calendars → selections, sync states, push rows.
  await new SyncStateRepository(tx).lockCalendarsOfConnection(conn.id);
  const freed = await new ExternalEventRepository(tx).removeOfConnection(conn.id);
  await tx.query(`DELETE FROM connections WHERE id = $1`, [conn.id]);
  // The account is free again once its owner has no connection of it left.
  await tx.query(
    `DELETE FROM provider_accounts pa WHERE pa.provider = $1 AND pa.external_id = $2
       AND NOT EXISTS (SELECT 1 FROM connections c WHERE c.provider = pa.provider AND c.account_external_id = pa.external_id)`,
    [conn.provider, conn.accountExternalId],
  );
  logger.info({ connectionId: conn.id, provider: conn.provider }, 'connection removed');
  return freed;
}

