import { DataSource } from 'typeorm';
import { Connection } from '../connections/connection.entity';
import { SyncState } from '../connections/connection.enums';
import { ConnectionEvents } from '../connections/connection-events';
import { connectionSyncState } from './sync-state-machine';
import { SyncStateRepository } from './sync-state.repository';

/**
 * A connection's live sync status (syncState, lastSyncedAt, lastError) follows its selected calendars' sync
 * states; every change is published as syncStatusChanged.
 */
export class ConnectionSyncStatus {
  constructor(
    private readonly ds: DataSource,
    private readonly events: ConnectionEvents,
  ) {}

  /**
   * Recomputes the connection's status from its calendars and publishes it if it changed. Serialized per
   * connection (row lock), so concurrent calendar syncs of one connection never leave a stale status.
   */
  async refresh(connectionId: string): Promise<Connection | null> {
    const changed = await this.ds.transaction(async (tx) => {
      const conn = await tx.getRepository(Connection).createQueryBuilder('c').setLock('pessimistic_write').where('c.id = :id', { id: connectionId }).getOne();
      if (!conn) return null;
      const calendars = await new SyncStateRepository(tx).stagesOf(connectionId);
      const syncState = connectionSyncState(calendars.map((c) => c.stage)) as SyncState;
      // As up to date as its least recently synced calendar (those never synced yet do not count).
      const synced = calendars.map((c) => c.lastSyncedAt).filter((d): d is Date => d !== null);
      const lastSyncedAt = synced.length ? new Date(Math.min(...synced.map((d) => d.getTime()))) : conn.lastSyncedAt;
      let lastError = conn.lastError;
      if (syncState === SyncState.ERROR && conn.syncState !== SyncState.ERROR) lastError = calendars.find((c) => c.stage === 'ERROR')?.lastError ?? lastError;
      if (syncState !== SyncState.ERROR && conn.syncState === SyncState.ERROR) lastError = null;
      const same = syncState === conn.syncState && lastError === conn.lastError && (lastSyncedAt?.getTime() ?? null) === (conn.lastSyncedAt ? new Date(conn.lastSyncedAt).getTime() : null);
      if (same) return null;
      await tx.query(`UPDATE connections SET sync_state = $2, last_synced_at = $3, last_error = $4, updated_at = now() WHERE id = $1`, [connectionId, syncState, lastSyncedAt, lastError]);
      return Object.assign(conn, { syncState, lastSyncedAt, lastError });
    });
    if (changed) this.events.statusChanged(changed);
    return changed;
  }
}
