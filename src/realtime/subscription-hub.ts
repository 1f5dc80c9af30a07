import { Viewer } from '../app/auth/viewer';
import { logger } from '../app/logging/logger';
import { maySeeEvent, SubscriptionScope } from './event-visibility';
import { LocationTopic, PubSub, Topics } from './pubsub';
import { PushStream } from './push-stream';
import { renderOnce } from './shared-render';
import { SubscriptionRegistry } from './subscription-registry';
import { ViewerCache } from './viewer-cache';

type LocationEvent = Topics[LocationTopic][1];

interface Subscription {
  scope: SubscriptionScope;
  /** Whom to re-read for each event; null: the service token, which cannot be deactivated. */
  userId: string | null;
  /** The viewer at subscribe time (used as is for the service token). */
  subscriber: Viewer;
  stream: PushStream<{ event: LocationEvent; viewer: Viewer }, LocationEvent>;
}

interface Listener {
  stop: () => void;
  /** Events of one key are checked and handed out in the order they arrived. */
  tail: Promise<void>;
}

const keyOf = (scope: SubscriptionScope) => `${scope.topic}:${scope.location.id}`;

/**
 * Fans a location's events out to its open subscriptions on this instance: one bus listener per topic and location
 * (not per subscription); for each event, one read of the users it may go to (the viewer cache, one query for those
 * not fresh), then every subscription whose subscriber may see the event now gets it (re-authorized per event:
 * a user removed from the location, demoted or deactivated stops receiving events within the cache's few seconds).
 * conflictsChanged events are rendered once per operation, not per subscriber (see shared-render).
 */
export class SubscriptionHub {
  private readonly registry = new SubscriptionRegistry<Subscription>();
  private readonly listeners = new Map<string, Listener>();

  constructor(
    private readonly pubsub: PubSub,
    private readonly viewers: ViewerCache,
  ) {}

  /**
   * The event stream of one subscription already authorized for `scope`. `delivering` is called with the subscriber
   * as they are now, just before each event is handed to the consumer (the event is rendered for them).
   */
  open(scope: SubscriptionScope, subscriber: Viewer, delivering: (viewer: Viewer) => void): AsyncIterableIterator<LocationEvent> {
    const key = keyOf(scope);
    const sub: Subscription = {
      scope,
      userId: subscriber.kind === 'user' ? subscriber.user.id : null,
      subscriber,
      stream: new PushStream(
        ({ event, viewer }) => {
          delivering(viewer);
          return event;
        },
        () => this.close(key, sub),
      ),
    };
    if (this.registry.add(key, sub)) this.attach(key, scope.topic, scope.location.id);
    return sub.stream;
  }

  /** Subscriptions open on this instance, and the bus listeners they need (one per topic and location). */
  get stats(): { subscriptions: number; listeners: number } {
    let subscriptions = 0;
    for (const key of this.listeners.keys()) subscriptions += this.registry.count(key);
    return { subscriptions, listeners: this.listeners.size };
  }

  private attach(key: string, topic: LocationTopic, locationId: string): void {
    const listener: Listener = { stop: () => undefined, tail: Promise.resolve() };
    listener.stop = this.pubsub.listen(topic, locationId, (event: LocationEvent) => {
      if (topic === 'conflicts') renderOnce(event);
      listener.tail = listener.tail.then(() => this.dispatch(key, event)).catch((err) => logger.error({ err, key }, 'event not fanned out'));
    });
    this.listeners.set(key, listener);
  }

  private close(key: string, sub: Subscription): void {
    if (!this.registry.remove(key, sub)) return;
    this.listeners.get(key)?.stop();
    this.listeners.delete(key);
  }

  private async dispatch(key: string, event: LocationEvent): Promise<void> {
    const subs = this.registry.snapshot(key);
    if (!subs.length) return;
    const userIds = new Set<string>();
    for (const s of subs) if (s.userId !== null) userIds.add(s.userId);
    let viewers: Map<string, Viewer | null>;
    try {
      viewers = await this.viewers.getMany(userIds);
    } catch (err) {
      // Fail closed: an event that cannot be checked is not sent (to the users it could not check).
      logger.warn({ err, key }, 'subscription access check failed; event withheld');
      viewers = new Map();
    }
    for (const s of subs) {
      if (s.stream.closed) continue;
      const viewer = s.userId === null ? s.subscriber : (viewers.get(s.userId) ?? null);
      if (viewer && maySeeEvent(viewer, s.scope, event)) s.stream.push({ event, viewer });
    }
  }
}
