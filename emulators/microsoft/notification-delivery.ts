// How Graph delivers notifications: change notifications for one notificationUrl that arrive close
// together go out as one POST whose `value` holds them all (several subscriptions may share it);
// a POST the receiver does not accept with a 2xx in time (an error status, a timeout, a refused
// connection) is sent again after growing delays, as Graph keeps retrying for hours.
import { EventEmitter } from 'node:events';
import { postTo } from './outbound-post';

export interface Delivery {
  time: number;
  kind: 'validation' | 'change' | 'lifecycle';
  /** The first notification's subscription (all of them: `subscriptionIds`). */
  subscriptionId: string | null;
  subscriptionIds: string[];
  url: string;
  body: unknown;
  /** 1 for the first POST of this body, 2 for its first re-send, … */
  attempt: number;
  /** 0 when the receiver could not be reached in time. */
  status: number;
  error: string | null;
}

export interface GraphNotification {
  subscriptionId: string;
  [field: string]: unknown;
}

export interface DeliveryOptions {
  notificationTimeoutMs: number;
  caPem: string;
  /** Change notifications to one URL within this window share a POST. */
  batchWindowMs: number;
  maxNotificationsPerPost: number;
  /** Waits before each re-send of a failed POST; its length is the number of re-sends. */
  retryDelaysMs: readonly number[];
}

const accepted = (d: Delivery) => d.status >= 200 && d.status < 300;

export class NotificationDelivery {
  readonly deliveries: Delivery[] = [];
  private readonly emitter = new EventEmitter();
  private readonly batches = new Map<string, { items: GraphNotification[]; timer: NodeJS.Timeout }>();
  private readonly retries = new Set<NodeJS.Timeout>();
  private inFlight = 0;
  private closed = false;

  constructor(
    private readonly opts: DeliveryOptions,
    /** Whether a subscription still exists: re-sends leave out the notifications of removed ones. */
    private readonly alive: (subscriptionId: string) => boolean,
  ) {}

  /** Queues a change notification for `url`; it leaves with the others of its window. */
  enqueue(url: string, notification: GraphNotification): void {
    if (this.closed) return;
    const batch = this.batches.get(url);
    if (batch) {
      batch.items.push(notification);
      if (batch.items.length >= this.opts.maxNotificationsPerPost) this.flush(url);
      return;
    }
    const timer = setTimeout(() => this.flush(url), this.opts.batchWindowMs);
    timer.unref();
    this.batches.set(url, { items: [notification], timer });
  }

  /** POSTs `{value: notifications}` now (lifecycle notifications are not batched); re-sends on failure. */
  send(kind: 'change' | 'lifecycle', url: string, notifications: GraphNotification[]): Promise<Delivery> {
    return this.attempt(kind, url, notifications, 1);
  }

  /** One POST with no re-send: the validation handshake. */
  async post(kind: Delivery['kind'], url: string, body: unknown, timeoutMs = this.opts.notificationTimeoutMs): Promise<Delivery> {
    this.inFlight++;
    const delivery = await this.record(kind, url, body, [], 1, timeoutMs);
    this.settle();
    return delivery;
  }

  /** Resolves with the first delivery (past or future) matching `predicate`. */
  waitForDelivery(predicate: (d: Delivery) => boolean, timeoutMs = 10_000): Promise<Delivery> {
    const seen = this.deliveries.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.emitter.off('delivery', listener);
        reject(new Error('no matching notification was delivered in time'));
      }, timeoutMs);
      const listener = (d: Delivery) => {
        if (!predicate(d)) return;
        clearTimeout(timer);
        this.emitter.off('delivery', listener);
        resolve(d);
      };
      this.emitter.on('delivery', listener);
    });
  }

  /** Resolves once nothing is batched, in flight or waiting for a re-send. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (!this.isIdle()) return;
        this.emitter.off('settled', check);
        resolve();
      };
      this.emitter.on('settled', check);
    });
  }

  /** Drops what is batched or waiting for a re-send. */
  close(): void {
    this.closed = true;
    for (const { timer } of this.batches.values()) clearTimeout(timer);
    this.batches.clear();
    for (const timer of this.retries) clearTimeout(timer);
    this.retries.clear();
    this.emitter.emit('settled');
  }

  private isIdle(): boolean {
    return this.batches.size === 0 && this.retries.size === 0 && this.inFlight === 0;
  }

  private flush(url: string): void {
    const batch = this.batches.get(url);
    if (!batch) return;
    clearTimeout(batch.timer);
    this.batches.delete(url);
    const max = this.opts.maxNotificationsPerPost;
    for (let i = 0; i < batch.items.length; i += max) void this.attempt('change', url, batch.items.slice(i, i + max), 1);
  }

  // In flight from here until a re-send is scheduled, so idle() never sees a gap between the two
  private async attempt(kind: 'change' | 'lifecycle', url: string, notifications: GraphNotification[], attempt: number): Promise<Delivery> {
    this.inFlight++;
    const ids = [...new Set(notifications.map((n) => n.subscriptionId))];
    const delivery = await this.record(kind, url, { value: notifications }, ids, attempt, this.opts.notificationTimeoutMs);
    const wait = this.opts.retryDelaysMs[attempt - 1];
    if (!accepted(delivery) && wait !== undefined && !this.closed) {
      const timer = setTimeout(() => {
        this.retries.delete(timer);
        const still = notifications.filter((n) => this.alive(n.subscriptionId));
        if (still.length && !this.closed) void this.attempt(kind, url, still, attempt + 1);
        else this.emitter.emit('settled');
      }, wait);
      timer.unref();
      this.retries.add(timer);
    }
    this.settle();
    return delivery;
  }

  private settle(): void {
    this.inFlight--;
    this.emitter.emit('settled');
  }

  private async record(kind: Delivery['kind'], url: string, body: unknown, subscriptionIds: string[], attempt: number, timeoutMs: number): Promise<Delivery> {
    const delivery: Delivery = { time: Date.now(), kind, subscriptionId: subscriptionIds[0] ?? null, subscriptionIds, url, body, attempt, status: 0, error: null };
    try {
      const res = await postTo(url, body === null ? '' : JSON.stringify(body), body === null ? 'text/plain' : 'application/json', timeoutMs, this.opts.caPem);
      delivery.status = res.status;
      // For a handshake, what matters is the text the receiver echoed
      if (kind === 'validation') delivery.body = res.text;
    } catch (err) {
      delivery.error = (err as Error).message;
    }
    this.deliveries.push(delivery);
    this.emitter.emit('delivery', delivery);
    return delivery;
  }
}
