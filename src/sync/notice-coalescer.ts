import { logger } from '../app/logging/logger';
import { createRateLimiter, RateLimiter, RateLimitSettings } from '../app/rate-limit/request-rate-limiter';

// Notices per push channel: 10 at once, 1 per second on average. A provider sends bursts (a bulk edit, a
// reconnect); past this, more notices add nothing to the sync that is already due.
const CHANNEL_BURST = 10;
const CHANNEL_RPS = 1;

/** `receivedAt`: when the notice (for a held one, the last notice it stands for) was received. */
type Deliver = (channelId: string, kind: string, receivedAt: Date) => Promise<void>;
/** Runs `fn` after `ms`; returns a cancel function. Injected by tests. */
export type Schedule = (fn: () => void, ms: number) => () => void;

const timers: Schedule = (fn, ms) => {
  const timer = setTimeout(fn, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

/**
 * Push notices are limited per channel without ever losing a genuine burst. The webhook route has already answered
 * the provider 2xx; then, within the channel's limit a notice is delivered at once. Over it, the notice is held until
 * the limit allows again and delivered then, once: further notices of the same channel and kind meanwhile are dropped,
 * since the one held already makes that calendar due for a sync.
 */
export class NoticeCoalescer {
  private readonly held = new Map<string, { channelId: string; kind: string; receivedAt: Date; cancel: () => void }>();

  constructor(
    private readonly limiter: RateLimiter,
    private readonly deliver: Deliver,
    private readonly schedule: Schedule = timers,
    /** The app's clock: receipt times are compared with the times syncs start. */
    private readonly now: () => Date = () => new Date(),
  ) {}

  static async create(store: Pick<RateLimitSettings, 'redisUrl' | 'keyPrefix'>, deliver: Deliver, now?: () => Date): Promise<NoticeCoalescer> {
    return new NoticeCoalescer(await createRateLimiter({ ...store, rps: CHANNEL_RPS, burst: CHANNEL_BURST }, 'push-channels'), deliver, timers, now);
  }

  async notice(channelId: string, kind: string): Promise<void> {
    const receivedAt = this.now();
    const key = `${channelId}\u0000${kind}`;
    const holding = this.held.get(key);
    if (holding) {
      // The one held covers this one; it now stands for a notice received this late.
      holding.receivedAt = receivedAt;
      return;
    }
    const verdict = await this.limiter.consume(channelId);
    if (verdict.allowed) return this.deliver(channelId, kind, receivedAt);
    const cancel = this.schedule(() => void this.release(key), verdict.retryAfterSeconds * 1000);
    this.held.set(key, { channelId, kind, receivedAt, cancel });
  }

  /** Delivers what is held now, e.g. at shutdown. */
  async close(): Promise<void> {
    await Promise.all([...this.held.keys()].map((key) => this.release(key)));
    await this.limiter.close();
  }

  private async release(key: string): Promise<void> {
    const held = this.held.get(key);
    if (!held) return;
    this.held.delete(key);
    held.cancel();
    try {
      await this.deliver(held.channelId, held.kind, held.receivedAt);
    } catch (err) {
      logger.error({ err, channelId: held.channelId, kind: held.kind }, 'push notice delivery failed');
    }
  }
}
