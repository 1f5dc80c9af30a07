import type { ProviderKind } from '../../providers/calendar-provider';
import {
  AccessTokenExpiredError,
  CursorExpiredError,
  GrantRevokedError,
  ProviderError,
  ProviderNotFoundError,
  ProviderThrottledError,
  ProviderUnavailableError,
} from '../../providers/provider.errors';
import { MailboxBusyError } from './mailbox-busy.error';

// What a failed provider call means for the job that made it. Pure: reads the drivers' typed errors.

export type FailureKind =
  /** 429/503-style throttling, Google's 403 rate-limit reasons. */
  | 'throttled'
  /** 5xx, timeouts, dropped connections; also a 401 that survived the refresh (retrying refreshes again). */
  | 'transient'
  /** The provider refused for a reason retrying the same request cannot fix (or an unexpected error). */
  | 'permanent'
  /** Only the user reconnecting fixes it: NEEDS_REAUTH. */
  | 'grant-revoked'
  /** The sync cursor is no longer valid: a full sync. */
  | 'cursor-expired'
  /** The calendar (or subscription) no longer exists at the provider. */
  | 'not-found'
  /** Our own per-mailbox semaphore stayed full: not the provider's doing. */
  | 'mailbox-busy'
  /** Not a provider failure at all (a bug, the database): backed off like an outage, logged by the caller. */
  | 'internal';

export interface ProviderFailure {
  kind: FailureKind;
  provider: ProviderKind | null;
  /** The wait the provider asked for (Retry-After), in ms; null when it named none. */
  retryAfterMs: number | null;
  /** For the log only (may name hosts and paths). */
  detail: string;
}

export function classifyFailure(err: unknown): ProviderFailure {
  const detail = err instanceof Error ? err.message : String(err);
  const provider = err instanceof ProviderError ? err.provider : null;
  const base = { provider, retryAfterMs: null, detail };
  if (err instanceof MailboxBusyError) return { ...base, kind: 'mailbox-busy' };
  if (err instanceof ProviderThrottledError) return { ...base, kind: 'throttled', retryAfterMs: err.retryAfterGiven ? err.retryAfterMs : null };
  if (err instanceof ProviderUnavailableError) return { ...base, kind: 'transient', retryAfterMs: err.retryAfterMs ?? null };
  if (err instanceof AccessTokenExpiredError) return { ...base, kind: 'transient' };
  if (err instanceof GrantRevokedError) return { ...base, kind: 'grant-revoked' };
  if (err instanceof CursorExpiredError) return { ...base, kind: 'cursor-expired' };
  if (err instanceof ProviderNotFoundError) return { ...base, kind: 'not-found' };
  // ProviderRequestRejectedError, UnsupportedMailboxError, PushSetupFailedError
  if (err instanceof ProviderError) return { ...base, kind: 'permanent' };
  return { ...base, kind: 'internal' };
}

/** The wait the provider named (Retry-After of a 429, 503 or Google rate limit, or a mailbox throttled so), in ms; null otherwise. */
export function namedWaitMs(err: unknown): number | null {
  const { kind, retryAfterMs } = classifyFailure(err);
  return (kind === 'throttled' || kind === 'transient') && retryAfterMs !== null && retryAfterMs > 0 ? retryAfterMs : null;
}
