import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { logger } from '../app/logging/logger';
import { Connection } from '../connections/connection.entity';
import { ConnectionStatus, Provider } from '../connections/connection.enums';
import { ConnectionTokens } from '../connections/connection-tokens.service';
import { isFeatureAvailable } from '../connections/feature-availability';
import { PushChannel } from '../providers/calendar-provider';
import { ProviderRegistry } from '../providers/provider-registry';

const LIFETIME_MS: Record<Provider, number> = { OUTLOOK: 3 * 24 * 3600_000, GOOGLE: 7 * 24 * 3600_000 };

/** A push_channels row. */
export interface PushChannelRow {
  id: string;
  provider_calendar_id: string;
  channel_id: string;
  resource_id: string | null;
  expires_at: Date;
}

/**
 * Provider push (Graph subscriptions, Google watch channels) for every selected calendar of a connection.
 * Push is best effort: when it cannot be set up, polling covers the calendar.
 */
export class PushChannelService {
  constructor(
    private readonly ds: DataSource,
    private readonly providers: ProviderRegistry,
    private readonly tokens: ConnectionTokens,
    private readonly publicUrl: () => string,
  ) {}

  webhookUrl(provider: Provider, lifecycle = false): string {
    return `${this.publicUrl()}/webhooks/${provider.toLowerCase()}${lifecycle ? '/lifecycle' : ''}`;
  }

  /** Starts push for selected calendars of the connection that have none; stops it for calendars no longer selected. */
  async reconcile(conn: Connection): Promise<void> {
    if (conn.status !== ConnectionStatus.ACTIVE) return;
    // After a downgrade (plan or location switch) the connection gets no push at all.
    if (!(await isFeatureAvailable(this.ds, conn.id))) {
      await this.stopAll(conn);
      return;
    }
    const selected: Array<{ id: string; external_id: string }> = await this.ds.query(
      `SELECT pc.id, pc.external_id FROM provider_calendars pc
        WHERE pc.connection_id = $1
          AND (EXISTS (SELECT 1 FROM conflict_calendars cc WHERE cc.provider_calendar_id = pc.id)
               OR EXISTS (SELECT 1 FROM calendar_configurations cfg WHERE cfg.linked_calendar_id = pc.id))`,
      [conn.id],
    );
    const existing: PushChannelRow[] = await this.ds.query(`SELECT * FROM push_channels WHERE connection_id = $1`, [conn.id]);
    const selectedIds = new Set(selected.map((s) => s.id));
    for (const ch of existing.filter((c) => !selectedIds.has(c.provider_calendar_id))) await this.stopOne(conn, ch);
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
    await this.ds.query(
      `INSERT INTO push_channels (connection_id, provider_calendar_id, channel_id, resource_id, secret, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
      [conn.id, calendarId, channel.channelId, channel.resourceId, secret, channel.expiresAt],
    );
  }

  private async stopOne(conn: Connection, ch: PushChannelRow): Promise<void> {
    try {
      await this.tokens.use(conn, (t) => this.providers.get(conn.provider).stopPush(t, { channelId: ch.channel_id, resourceId: ch.resource_id, expiresAt: ch.expires_at }));
    } catch (err) {
      // The channel expires on its own; its notifications will no longer verify once the row is gone.
      logger.warn({ err, connectionId: conn.id, channelId: ch.channel_id }, 'could not stop push channel at the provider');
    }
    await this.ds.query(`DELETE FROM push_channels WHERE id = $1`, [ch.id]);
  }

  /** Stops these channels at the provider (their rows may already be gone, e.g. with their calendar). Never throws. */
  async stopChannels(conn: Connection, channels: readonly PushChannelRow[]): Promise<void> {
    for (const ch of channels) await this.stopOne(conn, ch);
  }

  /** Stops every channel of the connection (disconnect). Never throws. */
  async stopAll(conn: Connection): Promise<void> {
    const existing: PushChannelRow[] = await this.ds.query(`SELECT * FROM push_channels WHERE connection_id = $1`, [conn.id]);
    for (const ch of existing) await this.stopOne(conn, ch);
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

  /** The secret of a channel, for verifying notifications. */
  async secretFor(channelId: string): Promise<string | null> {
    const [row] = await this.ds.query(`SELECT secret FROM push_channels WHERE channel_id = $1`, [channelId]);
    return row?.secret ?? null;
  }
}
