import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Clock } from '../app/clock';
import { DomainError } from '../app/errors/domain.error';
import { logger } from '../app/logging/logger';
import { Connection } from '../connections/connection.entity';
import { ConnectionStatus, PauseReason, Provider } from '../connections/connection.enums';
import { ConnectionTokens } from '../connections/connection-tokens.service';
import { PushChannel, StartPushOptions } from '../providers/calendar-provider';
import { PushSetupFailedError } from '../providers/provider.errors';
import { ProviderRegistry } from '../providers/provider-registry';
import { hashPushSecret } from '../providers/shared/push-secret';
import { directProviderCalls, ProviderCalls } from './provider-calls';
import { PushChannelRepository, PushChannelRow } from './push-channel.repository';
import { SyncStateRepository } from './sync-state.repository';
import { namedWaitMs } from './throttle/provider-failure';

export type { PushChannelRow } from './push-channel.repository';

const LIFETIME_MS: Record<Provider, number> = { OUTLOOK: 3 * 24 * 3600_000, GOOGLE: 7 * 24 * 3600_000 };

export interface PushChannelOptions {
  /** Channel lifetimes count from its now. */
  clock?: Clock;
  /** A calendar that loses push (or never gets it) is polled within this many seconds (SYNC_POLL_SECONDS). */
  pollSeconds?: number;
  /** Every provider call goes through it (the per-mailbox request slots). */
  calls?: ProviderCalls;
}

const newSecret = () => randomBytes(24).toString('base64url');

/**
 * Provider push (Graph subscriptions, Google watch channels) for every selected calendar of a connection.
 * Push is best effort: when it cannot be set up, polling covers the calendar.
 */
export class PushChannelService {
  private readonly channels: PushChannelRepository;

  constructor(
    private readonly ds: DataSource,
    private readonly providers: ProviderRegistry,
    private readonly tokens: ConnectionTokens,
    private readonly publicUrl: () => string,
    private readonly options: PushChannelOptions = {},
  ) {
    this.channels = new PushChannelRepository(ds);
  }

  private call<T>(conn: Connection, operation: string, fn: () => Promise<T>): Promise<T> {
    return (this.options.calls ?? directProviderCalls).run({ connection: conn, operation }, fn);
  }

  private now(): Date {
    return this.options.clock?.now() ?? new Date();
  }

  webhookUrl(provider: Provider, lifecycle = false): string {
    return `${this.publicUrl()}/webhooks/${provider.toLowerCase()}${lifecycle ? '/lifecycle' : ''}`;
  }

  /**
   * Starts push for selected calendars of the connection that have none; stops it for calendars no longer
   * selected, and for channels whose calendar is gone (the provider no longer lists it).
   */
  async reconcile(conn: Connection): Promise<void> {
    if (conn.status !== ConnectionStatus.ACTIVE) return;
    // A paused connection (plan downgrade, location switch) gets no push at all.
    if (conn.pauseReason !== PauseReason.NONE) {
      await this.stopAll(conn);
      return;
    }
    const selected = await this.channels.selectedCalendars(conn.id);
    const existing = await this.channels.ofConnection(conn.id);
    const selectedIds = new Set(selected.map((s) => s.id));
    for (const ch of existing.filter((c) => !c.provider_calendar_id || !selectedIds.has(c.provider_calendar_id))) await this.stopOne(conn, ch);
    const covered = new Set(existing.map((c) => c.provider_calendar_id));
    const uncovered = selected.filter((s) => !covered.has(s.id));
    for (const [i, cal] of uncovered.entries()) {
      try {
        await this.startOne(conn, cal.id, cal.external_id);
      } catch (err) {
        if (namedWaitMs(err) !== null) {
          // Throttled: not a refusal of push. Polled meanwhile; the job tries again once the provider allows.
          await this.pollSoon(uncovered.slice(i).map((c) => c.id));
          throw err;
        }
        logger.warn({ err, connectionId: conn.id, calendarId: cal.id }, 'push unavailable for calendar; polling covers it');
        await this.pollSoon([cal.id]);
      }
    }
  }

  private startOptions(provider: Provider, externalId: string, secret: string): StartPushOptions {
    return {
      calendarExternalId: externalId,
      notificationUrl: this.webhookUrl(provider),
      lifecycleNotificationUrl: this.webhookUrl(provider, true),
      secret,
      expiresAt: new Date(this.now().getTime() + LIFETIME_MS[provider]),
      channelId: randomUUID(),
    };
  }

  private async startOne(conn: Connection, calendarId: string, externalId: string): Promise<void> {
    const secret = newSecret();
    const driver = this.providers.get(conn.provider);
    const channel: PushChannel = await this.call(conn, 'startPush', () => this.tokens.use(conn, (t) => driver.startPush(t, this.startOptions(conn.provider, externalId, secret))));
    // Only the hash is kept: a database read does not yield what forges a notification.
    await this.channels.insert({
      connectionId: conn.id,
      calendarId,
      channelId: channel.channelId,
      resourceId: channel.resourceId,
      secretHash: hashPushSecret(secret),
      expiresAt: channel.expiresAt,
    });
  }

  private async stopOne(conn: Connection, ch: PushChannelRow): Promise<void> {
    try {
      await this.call(conn, 'stopPush', () =>
        this.tokens.use(conn, (t) => this.providers.get(conn.provider).stopPush(t, { channelId: ch.channel_id, resourceId: ch.resource_id, expiresAt: ch.expires_at })),
      );
    } catch (err) {
      // The channel expires on its own; its notifications will no longer verify once the row is gone.
      logger.warn({ err, connectionId: conn.id, channelId: ch.channel_id }, 'could not stop push channel at the provider');
    }
    await this.channels.delete(ch.id);
  }

  /**
   * Renews a channel before it expires, or at once when Graph asks to reauthorize it: Graph extends the subscription
   * (or creates a new one when it no longer has it), Google opens a new channel and stops the old one. Returns the
   * calendar when a new channel replaced the old one: notifications in between may be lost, so the caller syncs it.
   * A renewal the provider refuses leaves the calendar to polling; other failures throw (the job is retried).
   */
  async renew(conn: Connection, channelId: string): Promise<{ replacedCalendarId: string | null }> {
    const none = { replacedCalendarId: null };
    const ch = await this.channels.byChannelId(channelId);
    if (!ch) return none; // replaced or stopped meanwhile
    if (conn.status !== ConnectionStatus.ACTIVE || conn.pauseReason !== PauseReason.NONE || !ch.provider_calendar_id || !ch.calendar_external_id) {
      await this.reconcile(conn);
      return none;
    }
    const secret = newSecret();
    const driver = this.providers.get(conn.provider);
    let next: PushChannel;
    try {
      next = await this.call(conn, 'renewPush', () =>
        this.tokens.use(conn, (t) =>
          driver.renewPush(t, { channelId: ch.channel_id, resourceId: ch.resource_id, expiresAt: ch.expires_at }, this.startOptions(conn.provider, ch.calendar_external_id!, secret)),
        ),
      );
    } catch (err) {
      if (err instanceof DomainError && err.code === 'CONNECTION_NEEDS_REAUTH') return none;
      if (err instanceof PushSetupFailedError) {
        // Graph no longer had it and refused a new one: the calendar is polled.
        logger.warn({ err, connectionId: conn.id, channelId }, 'push channel could not be renewed; polling covers its calendar');
        await this.channels.delete(ch.id);
        await this.pollSoon([ch.provider_calendar_id]);
        return none;
      }
      await this.pollSoon([ch.provider_calendar_id]);
      throw err;
    }
    const replaced = next.channelId !== ch.channel_id;
    // Graph keeps the subscription's clientState on renewal; a new channel carries the new secret.
    await this.channels.renewed(ch.id, { channelId: next.channelId, resourceId: next.resourceId, expiresAt: next.expiresAt, ...(replaced ? { secretHash: hashPushSecret(secret) } : {}) });
    return { replacedCalendarId: replaced ? ch.provider_calendar_id : null };
  }

  /**
   * The provider removed the channel (Graph subscriptionRemoved): a new one replaces it. Returns its calendar (changes
   * while it was gone were not notified: the caller syncs it).
   */
  async recreate(conn: Connection, channelId: string): Promise<{ calendarId: string | null }> {
    const ch = await this.channels.byChannelId(channelId);
    // Stopping one the provider already dropped succeeds; its row goes, and reconcile starts a new one.
    if (ch) await this.stopOne(conn, ch);
    await this.reconcile(conn);
    return { calendarId: ch?.provider_calendar_id ?? null };
  }

  private async pollSoon(calendarIds: string[]): Promise<void> {
    await new SyncStateRepository(this.ds).pollSoon(calendarIds, this.now(), this.options.pollSeconds ?? 120);
  }

  /** Stops every channel of the connection (disconnect). Never throws. */
  async stopAll(conn: Connection): Promise<void> {
    for (const ch of await this.channels.ofConnection(conn.id)) await this.stopOne(conn, ch);
  }

  /**
   * Stops every channel and starts push again for the selected calendars (resyncConnection, the repair):
   * also recovers channels the provider dropped on its side while our rows still name them.
   */
  async restart(conn: Connection): Promise<void> {
    if (conn.status !== ConnectionStatus.ACTIVE) return;
    await this.stopAll(conn);
    await this.reconcile(conn);
  }

  /** The secret hashes of a push request's channels, in one query, for verifying its notifications. */
  secretHashes(channelIds: readonly string[]): Promise<ReadonlyMap<string, string>> {
    return this.channels.secretHashes(channelIds);
  }
}
