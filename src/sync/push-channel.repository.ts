import { DataSource, EntityManager } from 'typeorm';

/** A push_channels row (the channel secret is stored only as its hash, never read back here). */
export interface PushChannelRow {
  id: string;
  /** Null once the calendar is gone (the channel still has to be stopped at the provider). */
  provider_calendar_id: string | null;
  channel_id: string;
  resource_id: string | null;
  expires_at: Date;
}

const COLUMNS = 'id, provider_calendar_id, channel_id, resource_id, expires_at';

/** The SQL of provider push channels. */
export class PushChannelRepository {
  constructor(private readonly db: DataSource | EntityManager) {}

  /**
   * Calendars of the connection that are selected (linked or conflict calendar): the ones push covers.
   * Free/busy-only calendars have no event feed to watch (Google refuses a watch without reader access): polled.
   */
  selectedCalendars(connectionId: string): Promise<Array<{ id: string; external_id: string }>> {
    return this.db.query(
      `SELECT pc.id, pc.external_id FROM provider_calendars pc
        WHERE pc.connection_id = $1 AND pc.access <> 'FREE_BUSY'
          AND (EXISTS (SELECT 1 FROM conflict_calendars cc WHERE cc.provider_calendar_id = pc.id)
               OR EXISTS (SELECT 1 FROM calendar_configurations cfg WHERE cfg.linked_calendar_id = pc.id))`,
      [connectionId],
    );
  }

  ofConnection(connectionId: string): Promise<PushChannelRow[]> {
    return this.db.query(`SELECT ${COLUMNS} FROM push_channels WHERE connection_id = $1`, [connectionId]);
  }

  async insert(ch: { connectionId: string; calendarId: string; channelId: string; resourceId: string | null; secretHash: string; expiresAt: Date }): Promise<void> {
    await this.db.query(
      `INSERT INTO push_channels (connection_id, provider_calendar_id, channel_id, resource_id, secret_hash, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
      [ch.connectionId, ch.calendarId, ch.channelId, ch.resourceId, ch.secretHash, ch.expiresAt],
    );
  }

  async delete(id: string): Promise<void> {
    await this.db.query(`DELETE FROM push_channels WHERE id = $1`, [id]);
  }

  /** The secret hashes of these channels, in one query (unknown ids are absent). */
  async secretHashes(channelIds: readonly string[]): Promise<Map<string, string>> {
    if (!channelIds.length) return new Map();
    const rows: Array<{ channel_id: string; secret_hash: string }> = await this.db.query(
      `SELECT channel_id, secret_hash FROM push_channels WHERE channel_id = ANY($1::text[])`,
      [channelIds],
    );
    return new Map(rows.map((r) => [r.channel_id, r.secret_hash]));
  }
}
