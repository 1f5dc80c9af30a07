import { ProviderThrottledError, ProviderUnavailableError } from '../provider.errors';

// The drivers' one retry loop. The client libraries' own retries are switched off so that
// every attempt is ours: bounded, honouring Retry-After, never hidden or multiplied.
export interface RetryPolicy {
  /** Total attempts, the first included. */
  maxAttempts: number;
  /** Backoff base for 5xx / network failures (doubles per attempt, with jitter). */
  baseDelayMs: number;
  /** A Retry-After longer than this is not waited out in-process: the error goes to the caller (the job queue reschedules). */
  maxWaitMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 4, baseDelayMs: 250, maxWaitMs: 30_000 };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` until it succeeds or fails with something not worth retrying.
 * `attempt` must already translate provider failures into typed ProviderErrors.
 */
export async function withRetries<T>(attempt: (n: number) => Promise<T>, policy: RetryPolicy = defaultRetryPolicy): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      const last = n >= policy.maxAttempts;
      if (err instanceof ProviderThrottledError) {
        if (last || err.retryAfterMs > policy.maxWaitMs) throw err;
        await sleep(err.retryAfterMs);
        continue;
      }
      if (err instanceof ProviderUnavailableError) {
        const backoff = err.retryAfterMs ?? policy.baseDelayMs * 2 ** (n - 1) * (0.5 + Math.random() / 2);
        if (last || backoff > policy.maxWaitMs) throw err;
        await sleep(backoff);
        continue;
      }
      throw err;
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
