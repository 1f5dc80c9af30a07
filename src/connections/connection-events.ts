import { PubSub, SyncStatusPayload } from '../realtime/pubsub';
import { Connection } from './connection.entity';

/** A snapshot of the connection travels with the event, so a disconnect can still be described. */
export function toSnapshot(c: Connection): SyncStatusPayload['connection'] {
  return {
    id: c.id,
    provider: c.provider,
    accountEmail: c.accountEmail,
    userId: c.userId,
    locationId: c.locationId,
    status: c.status,
    syncState: c.syncState,
    lastSyncedAt: c.lastSyncedAt ? new Date(c.lastSyncedAt).toISOString() : null,
    lastError: c.lastError,
  };
}

export class ConnectionEvents {
  constructor(private readonly pubsub: PubSub) {}

  /** `disconnected`: the connection is gone (its last event). */
  statusChanged(c: Connection, disconnected = false): void {
    this.pubsub.publish('syncStatus', c.locationId, {
      locationId: c.locationId,
      userId: c.userId,
      connectionId: c.id,
      at: new Date().toISOString(),
      connection: toSnapshot(c),
      ...(disconnected ? { disconnected: true } : {}),
    });
  }
}
