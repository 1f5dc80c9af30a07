import { logger } from '../app/logging/logger';
import { createRateLimiter, RateLimiter, RateLimitSettings } from '../app/rate-limit/request-rate-limiter';

// Notices per push channel: 10 at once, 1 per second on average. A provider sends bursts (a bulk edit, a
// reconnect); past this, more notices add nothing to the sync that is already due.
const CHANNEL_BURST = 10;
const CHANNEL_RPS = 1;

type Deliver = (channelId: string, kind: string) => Promise<void>;
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
  private readonly held = new Map<string, { channelId: string; kind: string; cancel: () => void }>();

  constructor(
    private readonly limiter: RateLimiter,
    private readonly deliver: Deliver,
    private readonly schedule: Schedule = timers,
  ) {}

  static async create(store: Pick<RateLimitSettings, 'redisUrl' | 'keyPrefix'>, deliver: Deliver): Promise<NoticeCoalescer> {
    return new NoticeCoalescer(await createRateLimiter({ ...store, rps: CHANNEL_RPS, burst: CHANNEL_BURST }, 'push-channels'), deliver);
  }

  async notice(channelId: string, kind: string): Promise<void> {
    const key = `${channelId}\u0000${kind}`;
    if (this.held.has(key)) return; // the one held covers this one
    const verdict = await this.limiter.consume(channelId);
    if (verdict.allowed) return this.deliver(channelId, kind);
    const cancel = this.schedule(() => void this.release(key), verdict.retryAfterSeconds * 1000);
    this.held.set(key, { channelId, kind, cancel });
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
      await this.deliver(held.channelId, held.kind);
    } catch (err) {
      logger.error({ err, channelId: held.channelId, kind: held.kind }, 'push notice delivery failed');
    }
  }
}
