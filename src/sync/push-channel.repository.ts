import { DataSource, EntityManager } from 'typeorm';
import { rows } from '../app/database/sql';

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

  /** The channel with its connection (and its calendar's external id, null once the calendar is gone). */
  async byChannelId(channelId: string): Promise<(PushChannelRow & { connection_id: string; calendar_external_id: string | null }) | null> {
    const [row] = await rows<PushChannelRow & { connection_id: string; calendar_external_id: string | null }>(
      this.db,
      `SELECT ch.id, ch.provider_calendar_id, ch.channel_id, ch.resource_id, ch.expires_at, ch.connection_id, pc.external_id AS calendar_external_id
         FROM push_channels ch LEFT JOIN provider_calendars pc ON pc.id = ch.provider_calendar_id WHERE ch.channel_id = $1`,
      [channelId],
    );
    return row ?? null;
  }

  /** Whether a live channel covers the calendar at `now`. */
  async covers(calendarId: string, now: Date): Promise<boolean> {
    const found = await rows(this.db, `SELECT 1 FROM push_channels WHERE provider_calendar_id = $1 AND expires_at > $2`, [calendarId, now]);
    return found.length > 0;
  }

  /** A renewed channel: a later expiry, or a new channel (and secret) in place of the old one. */
  async renewed(id: string, ch: { channelId: string; resourceId: string | null; expiresAt: Date; secretHash?: string }): Promise<void> {
    await this.db.query(
      `UPDATE push_channels SET channel_id = $2, resource_id = $3, expires_at = $4, secret_hash = coalesce($5, secret_hash), renew_attempted_at = NULL WHERE id = $1`,
      [id, ch.channelId, ch.resourceId, ch.expiresAt, ch.secretHash ?? null],
    );
  }

  /**
   * Channels of active connections expiring within their provider's horizon at `now`, claimed for a renewal (one not
   * renewed since its last attempt waits `retrySeconds` before it is claimed again).
   */
  claimExpiring(now: Date, horizonSeconds: { OUTLOOK: number; GOOGLE: number }, retrySeconds: number, limit: number): Promise<Array<{ connectionId: string; channelId: string }>> {
    return rows(
      this.db,
      `WITH due AS (
         SELECT ch.id FROM push_channels ch JOIN connections c ON c.id = ch.connection_id
          WHERE ch.expires_at <= $1::timestamptz + make_interval(secs => CASE c.provider WHEN 'OUTLOOK' THEN $2::int ELSE $3::int END)
            AND (ch.renew_attempted_at IS NULL OR ch.renew_attempted_at <= $1::timestamptz - make_interval(secs => $4::int))
            AND c.status = 'ACTIVE' AND c.pause_reason = 'NONE'
          ORDER BY ch.expires_at LIMIT $5 FOR UPDATE OF ch SKIP LOCKED
       )
       UPDATE push_channels ch SET renew_attempted_at = $1 FROM due WHERE ch.id = due.id
       RETURNING ch.connection_id AS "connectionId", ch.channel_id AS "channelId"`,
      [now, horizonSeconds.OUTLOOK, horizonSeconds.GOOGLE, retrySeconds, limit],
    );
  }
}
