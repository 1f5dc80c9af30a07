import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { logger } from '../app/logging/logger';
import { Connection } from '../connections/connection.entity';
import { ConnectionStatus, PauseReason, Provider } from '../connections/connection.enums';
import { ConnectionTokens } from '../connections/connection-tokens.service';
import { PushChannel } from '../providers/calendar-provider';
import { ProviderRegistry } from '../providers/provider-registry';
import { hashPushSecret } from '../providers/shared/push-secret';
import { PushChannelRepository, PushChannelRow } from './push-channel.repository';

export type { PushChannelRow } from './push-channel.repository';

const LIFETIME_MS: Record<Provider, number> = { OUTLOOK: 3 * 24 * 3600_000, GOOGLE: 7 * 24 * 3600_000 };

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
  ) {
    this.channels = new PushChannelRepository(ds);
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
    for (const cal of selected.filter((s) => !covered.has(s.id))) {
      try {
        await this.startOne(conn, cal.id, cal.external_id);
      } catch (err) {
        logger.warn({ err, connectionId: conn.id, calendarId: cal.id }, 'push unavailable for calendar; polling covers it');
      }
    }
  }

  private async startOne(conn: Connection, calendarId: string, externalId: string): Promise<void> {
    const secret = randomBytes(24).toString('base64url');
    const driver = this.providers.get(conn.provider);
    const channel: PushChannel = await this.tokens.use(conn, (t) =>
      driver.startPush(t, {
        calendarExternalId: externalId,
        notificationUrl: this.webhookUrl(conn.provider),
        lifecycleNotificationUrl: this.webhookUrl(conn.provider, true),
        secret,
        expiresAt: new Date(Date.now() + LIFETIME_MS[conn.provider]),
        channelId: randomUUID(),
      }),
    );
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
      await this.tokens.use(conn, (t) => this.providers.get(conn.provider).stopPush(t, { channelId: ch.channel_id, resourceId: ch.resource_id, expiresAt: ch.expires_at }));
    } catch (err) {
      // The channel expires on its own; its notifications will no longer verify once the row is gone.
      logger.warn({ err, connectionId: conn.id, channelId: ch.channel_id }, 'could not stop push channel at the provider');
    }
    await this.channels.delete(ch.id);
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
