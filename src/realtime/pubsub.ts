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

/** The topics a subscription hub listens to: one location's events. */
export type LocationTopic = 'conflicts' | 'syncStatus';

export type PubSub = ReturnType<typeof createPubSub<Topics>> & {
  /**
   * One plain listener for one location's events of a topic, without an async iterator of its own (the subscription
   * hub listens once per topic and location, whatever the number of subscribers). Returns the function that removes it.
   */
  listen<K extends LocationTopic>(topic: K, locationId: string, listener: (payload: Topics[K][1]) => void): () => void;
};

export interface PubSubHandle {
  pubsub: PubSub;
  close(): Promise<void>;
}

interface BusTarget {
  addEventListener(type: string, listener: (event: Event) => void): void;
  removeEventListener(type: string, listener: (event: Event) => void): void;
}

function withListen(pubsub: ReturnType<typeof createPubSub<Topics>>, target: BusTarget): PubSub {
  return Object.assign(pubsub, {
    listen<K extends LocationTopic>(topic: K, locationId: string, listener: (payload: Topics[K][1]) => void): () => void {
      // The event name createPubSub gives `publish(topic, id, payload)`.
      const type = `${topic}:${locationId}`;
      const onEvent = (event: Event) => listener((event as CustomEvent<Topics[K][1]>).detail);
      target.addEventListener(type, onEvent);
      return () => target.removeEventListener(type, onEvent);
    },
  });
}

// In-process by default; with REDIS_URL, events fan out to every instance.
export function createEventBus(redisUrl?: string): PubSubHandle {
  if (!redisUrl) {
    const target = new EventTarget();
    return { pubsub: withListen(createPubSub<Topics>({ eventTarget: target as never }), target), close: async () => {} };
  }
  const publishClient = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 3 });
  const subscribeClient = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 3 });
  const eventTarget = createRedisEventTarget({ publishClient, subscribeClient });
  return {
    pubsub: withListen(createPubSub<Topics>({ eventTarget }), eventTarget as unknown as BusTarget),
    close: async () => {
      publishClient.disconnect();
      subscribeClient.disconnect();
    },
  };
}
