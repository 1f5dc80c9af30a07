import Redis from 'ioredis';
import { RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { logger } from '../logging/logger';

export interface RateLimitSettings {
  /** Requests per second on average; 0 turns the limit off. */
  rps: number;
  /** Requests accepted at once. */
  burst: number;
  /** Shared store: the limit holds across instances. Unset: in this process's memory. */
  redisUrl?: string;
  keyPrefix: string;
}

export type RateLimitVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** A limiter of events per key (a caller, a channel): `consume` answers whether one more is allowed now. */
export interface RateLimiter {
  consume(key: string): Promise<RateLimitVerdict>;
  close(): Promise<void>;
}

const ALLOW: RateLimitVerdict = { allowed: true };

/**
 * `burst` events per window of burst / rps seconds, a window starting at a key's first event (rate-limiter-flexible's
 * fixed window): up to `burst` at once, `rps` per second on average. In Redis when a URL is given, else in memory.
 * A store failure lets the event through (logged): a Redis outage must not take the API down with it.
 */
export async function createRateLimiter(settings: RateLimitSettings, name: string): Promise<RateLimiter> {
  if (settings.rps <= 0) return { consume: async () => ALLOW, close: async () => {} };
  const points = Math.max(settings.burst, settings.rps);
  const duration = Math.max(1, Math.round(points / settings.rps));
  const keyPrefix = `${settings.keyPrefix}:${name}`;
  let redis: Redis | null = null;
  let limiter: RateLimiterAbstract = new RateLimiterMemory({ points, duration, keyPrefix });
  if (settings.redisUrl) {
    // No offline queue: while Redis is unreachable a call fails at once and the memory limiter stands in.
    redis = new Redis(settings.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    redis.on('error', (err) => logger.warn({ err }, 'rate limit store unavailable'));
    await new Promise<void>((resolve) => {
      redis!.once('ready', resolve);
      redis!.once('error', () => resolve());
    });
    limiter = new RateLimiterRedis({ storeClient: redis, points, duration, keyPrefix, insuranceLimiter: limiter as RateLimiterMemory });
  }
  return {
    consume: async (key) => {
      try {
        await limiter.consume(key);
        return ALLOW;
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
        logger.warn({ err: rejection, key }, 'rate limit check failed; request let through');
        return ALLOW;
      }
    },
    close: async () => {
      redis?.disconnect();
    },
  };
}
