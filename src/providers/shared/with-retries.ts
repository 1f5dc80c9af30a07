import { ProviderThrottledError, ProviderUnavailableError } from '../provider.errors';

// The drivers' one retry loop. The client libraries' own retries are switched off so that
// every attempt is ours: bounded, honouring Retry-After, never hidden or multiplied.
export interface RetryPolicy {
  /** Total attempts, the first included. */
  maxAttempts: number;
  /** Backoff base for 5xx / network failures (doubles per attempt, with jitter). */
  baseDelayMs: number;
  /**
   * The most one call may sleep in-process, all its waits together. A wait (Retry-After or backoff) that
   * would go past it is not taken: the typed error goes to the caller at once, so a sync job is deferred
   * by the job queue instead of a worker sleeping while it holds the mailbox's request slot.
   */
  maxWaitMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 4, baseDelayMs: 250, maxWaitMs: 5_000 };

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` until it succeeds or fails with something not worth retrying in place.
 * `attempt` must already translate provider failures into typed ProviderErrors.
 */
export async function withRetries<T>(attempt: (n: number) => Promise<T>, policy: RetryPolicy = defaultRetryPolicy, sleep = realSleep): Promise<T> {
  let waited = 0;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      let wait: number;
      if (err instanceof ProviderThrottledError) wait = err.retryAfterMs;
      else if (err instanceof ProviderUnavailableError) wait = err.retryAfterMs ?? policy.baseDelayMs * 2 ** (n - 1) * (0.5 + Math.random() / 2);
      else throw err;
      if (n >= policy.maxAttempts || waited + wait > policy.maxWaitMs) throw err;
      waited += wait;
      await sleep(wait);
    }
  }
}

/** Parses Retry-After (seconds, possibly fractional, or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | null | undefined, fallbackMs = 1000): number {
  if (!value) return fallbackMs;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds * 1000));
  const at = Date.parse(value);
  return Number.isNaN(at) ? fallbackMs : Math.max(0, at - Date.now());
}
