import type { ProviderKind } from '../../providers/calendar-provider';
import type { ProviderFailure } from './provider-failure';

// What a sync job does after a failed attempt. Pure: the failure, the count of consecutive failures
// before it, the clock and the random source come in; a decision comes out. No worker sleeps: a
// deferral is a new run time for the job queue.

export interface RetryPolicyOptions {
  /** First backoff step; the cap doubles per consecutive failure (full jitter below it). */
  baseDelayMs: number;
  /** Longest backoff, and the retry interval of a connection shown as ERROR. */
  maxDelayMs: number;
  /** Shortest backoff (full jitter could otherwise retry at once). */
  minDelayMs: number;
  /** Consecutive failures after which the connection shows syncState ERROR (it keeps retrying). */
  errorAfterFailures: number;
  /** A Retry-After above this is not believed (misconfigured proxies): the wait is capped to it. */
  maxRetryAfterMs: number;
  /** Deferral when the mailbox's request slots are all taken. */
  busyDelayMs: number;
  /** [0, 1); injectable for tests. */
  random: () => number;
}

export const defaultRetryPolicyOptions: RetryPolicyOptions = {
  baseDelayMs: 2_000,
  maxDelayMs: 15 * 60_000,
  minDelayMs: 500,
  errorAfterFailures: 5,
  maxRetryAfterMs: 6 * 3_600_000,
  busyDelayMs: 1_000,
  random: Math.random,
};

export type RetryDecision =
  /** Run the job again at `runAt`. `markError`: the connection shows ERROR with `lastError` until a sync succeeds. */
  | { action: 'defer'; runAt: Date; consecutiveFailures: number; markError: boolean; lastError: string | null; reason: 'retry-after' | 'backoff' | 'busy' }
  /** Drop the cursor and run a full sync now (mark and sweep). Not a failure. */
  | { action: 'full-resync'; runAt: Date; consecutiveFailures: number }
  /** Stop: the connection needs reauthorization (NEEDS_REAUTH); no retry until the user reconnects. */
  | { action: 'reauth'; consecutiveFailures: number; lastError: string }
  /** The calendar is gone at the provider: drop it from the selections (refresh the calendar list). */
  | { action: 'gone'; consecutiveFailures: number };

const LABEL: Record<ProviderKind, string> = { OUTLOOK: 'Outlook', GOOGLE: 'Google Calendar' };

/** Plain words for Connection.lastError: what happened and that it resolves itself. */
export function lastErrorText(failure: ProviderFailure): string {
  const who = failure.provider ? LABEL[failure.provider] : 'The calendar provider';
  switch (failure.kind) {
    case 'throttled':
      return `${who} is limiting requests for this account. Sync continues automatically when it allows more.`;
    case 'grant-revoked':
      return `${who} no longer accepts calbridge's access to this account. Reconnect the account.`;
    case 'permanent':
      return `${who} refused the sync request. calbridge keeps retrying; if it keeps failing, reconnect the account.`;
    case 'internal':
      return 'Sync failed unexpectedly. calbridge keeps retrying.';
    default:
      return `${who} is not responding. Sync continues automatically when it is back.`;
  }
}

/** Full jitter below an exponential cap: uniform in [min, min(max, base · 2^(n-1))]. */
export function backoffMs(consecutiveFailures: number, o: RetryPolicyOptions = defaultRetryPolicyOptions): number {
  const cap = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** Math.max(0, Math.min(consecutiveFailures - 1, 30)));
  return Math.max(o.minDelayMs, Math.round(o.random() * cap));
}

/** A retry after the backoff alone, for one more failure in a row (ERROR from errorAfterFailures on). */
export function backoffRetry(consecutiveFailures: number, now: Date, options: Partial<RetryPolicyOptions> = {}): { runAt: Date; consecutiveFailures: number; markError: boolean } {
  const o = { ...defaultRetryPolicyOptions, ...options };
  const failures = consecutiveFailures + 1;
  return { runAt: new Date(now.getTime() + backoffMs(failures, o)), consecutiveFailures: failures, markError: failures >= o.errorAfterFailures };
}

/**
 * `consecutiveFailures`: failures of this calendar's sync before this one (0 after a success).
 * The decision's `consecutiveFailures` is what to store.
 */
export function decideRetry(failure: ProviderFailure, consecutiveFailures: number, now: Date, options: Partial<RetryPolicyOptions> = {}): RetryDecision {
  const o = { ...defaultRetryPolicyOptions, ...options };
  const at = (ms: number) => new Date(now.getTime() + ms);
  switch (failure.kind) {
    case 'mailbox-busy':
      return { action: 'defer', runAt: at(Math.round(o.busyDelayMs * (1 + o.random()))), consecutiveFailures, markError: false, lastError: null, reason: 'busy' };
    case 'cursor-expired':
      return { action: 'full-resync', runAt: now, consecutiveFailures };
    case 'grant-revoked':
      return { action: 'reauth', consecutiveFailures: consecutiveFailures + 1, lastError: lastErrorText(failure) };
    case 'not-found':
      return { action: 'gone', consecutiveFailures };
  }
  const failures = consecutiveFailures + 1;
  const markError = failure.kind === 'permanent' || failures >= o.errorAfterFailures;
  const lastError = markError ? lastErrorText(failure) : null;
  if (failure.kind === 'permanent') return { action: 'defer', runAt: at(o.maxDelayMs), consecutiveFailures: failures, markError, lastError, reason: 'backoff' };
  if (failure.retryAfterMs !== null) {
    // Never earlier than asked; a little later, so the calendars of one mailbox do not all return at once.
    const wait = Math.min(failure.retryAfterMs, o.maxRetryAfterMs);
    const spread = Math.round(o.random() * Math.min(1_000, wait / 10));
    return { action: 'defer', runAt: at(wait + spread), consecutiveFailures: failures, markError, lastError, reason: 'retry-after' };
  }
  return { action: 'defer', runAt: at(backoffMs(failures, o)), consecutiveFailures: failures, markError, lastError, reason: 'backoff' };
}
