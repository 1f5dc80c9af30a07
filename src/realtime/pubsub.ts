import { createPubSub } from '@graphql-yoga/subscription';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import Redis from 'ioredis';

/** What crosses the bus: plain JSON (dates as ISO strings), so it survives Redis between instances. */
export interface SyncStatusPayload {
  locationId: string;
  userId: string;
  connectionId: string;
  at: string;
  /** The connection was removed (disconnect, membership ended); `connection` is how it was. */
  disconnected?: boolean;
  connection: {
    id: string;
    provider: 'OUTLOOK' | 'GOOGLE';
    accountEmail: string;
    userId: string;
    locationId: string;
    status: 'ACTIVE' | 'NEEDS_REAUTH' | 'ERROR';
    syncState: 'IDLE' | 'QUEUED' | 'SYNCING' | 'ERROR';
    lastSyncedAt: string | null;
    lastError: string | null;
  };
}

export interface ConflictsPayload {
  locationId: string;
  userId: string;
  from: string;
  to: string;
}

/** A user lost access altogether (deactivated): every instance closes their sockets. */
export interface UserRevokedPayload {
  userId: string;
}

export type Topics = {
  syncStatus: [locationId: string, payload: SyncStatusPayload];
  conflicts: [locationId: string, payload: ConflictsPayload];
  userRevoked: [payload: UserRevokedPayload];
};

export interface PubSubHandle {
  pubsub: ReturnType<typeof createPubSub<Topics>>;
  close(): Promise<void>;
}

export type PubSub = PubSubHandle['pubsub'];

// In-process by default; with REDIS_URL, events fan out to every instance.
export function createEventBus(redisUrl?: string): PubSubHandle {
  if (!redisUrl) return { pubsub: createPubSub<Topics>(), close: async () => {} };
  const publishClient = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 3 });
  const subscribeClient = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 3 });
  const eventTarget = createRedisEventTarget({ publishClient, subscribeClient });
  return {
    pubsub: createPubSub<Topics>({ eventTarget }),
    close: async () => {
      publishClient.disconnect();
      subscribeClient.disconnect();
    },
  };
}
