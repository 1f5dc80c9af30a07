/** Events one subscription may hold before its consumer takes them; past that it ends with an error. */
export const MAX_WAITING_EVENTS = 1000;

export const TOO_MANY_WAITING = 'Too many events are waiting for this subscription (the connection reads too slowly): subscribe again and refetch.';

/**
 * The event stream of one subscription: the hub pushes, graphql-ws pulls. Smaller than a Repeater per subscription
 * (one object, a queue only while events wait). `yieldOf` turns an item into what the consumer gets, when it gets it;
 * `release` runs once when the stream ends however it ends (returned by the consumer, failed).
 */
export class PushStream<T, R = T> implements AsyncIterableIterator<R> {
  private queue: T[] | null = null;
  private waiting: ((r: IteratorResult<R> | Promise<IteratorResult<R>>) => void) | null = null;
  /** A last step on what the consumer gets (set by whoever consumes, see `renderWith`). */
  private render: ((value: R) => unknown) | null = null;
  private failure: Error | null = null;
  private ended = false;

  constructor(
    private readonly yieldOf: (item: T) => R,
    private readonly release: () => void,
    private readonly limit = MAX_WAITING_EVENTS,
  ) {}

  get closed(): boolean {
    return this.ended;
  }

  /**
   * From now on the consumer gets `render(value)` (awaited) instead of each value: one mapping step inside the stream
   * rather than an iterator around it, each a suspended frame per subscription.
   */
  renderWith<X>(render: (value: R) => X | Promise<X>): PushStream<T, X> {
    this.render = render as (value: R) => unknown;
    return this as unknown as PushStream<T, X>;
  }

  push(item: T): void {
    if (this.ended) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve(this.out(item));
      return;
    }
    (this.queue ??= []).push(item);
    if (this.queue.length > this.limit) this.fail(new Error(TOO_MANY_WAITING));
  }

  next(): Promise<IteratorResult<R>> {
    if (this.queue?.length) {
      const item = this.queue.shift()!;
      if (!this.queue.length) this.queue = null;
      return Promise.resolve(this.out(item));
    }
    if (this.failure) {
      const err = this.failure;
      this.failure = null;
      return Promise.reject(err);
    }
    if (this.ended) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<R>> {
    this.end();
    return Promise.resolve({ done: true, value: undefined });
  }

  throw(err?: unknown): Promise<IteratorResult<R>> {
    this.end();
    return Promise.reject(err);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  // What the consumer gets for an item; a step that throws fails this read only (never the hub's push).
  private out(item: T): IteratorResult<R> | Promise<IteratorResult<R>> {
    try {
      const value = this.yieldOf(item);
      if (!this.render) return { done: false, value };
      const rendered = this.render(value);
      if (rendered instanceof Promise) return rendered.then((v) => ({ done: false, value: v as R }));
      return { done: false, value: rendered as R };
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Ends the stream with an error: the events still queued are dropped, the consumer's next read fails. */
  private fail(err: Error): void {
    this.failure = err;
    this.end();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.queue = null;
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.({ done: true, value: undefined });
    this.release();
  }
}
