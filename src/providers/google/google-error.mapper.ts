import {
  AccessTokenExpiredError,
  CursorExpiredError,
  GrantRevokedError,
  ProviderError,
  ProviderNotFoundError,
  ProviderRequestRejectedError,
  ProviderThrottledError,
  ProviderUnavailableError,
} from '../provider.errors';
import { parseRetryAfter } from '../shared/with-retries';

// gaxios failures → the typed provider errors. Pure: works on the plain failure facts.

export interface HttpFailure {
  /** null: no answer (connection refused, reset, timeout). */
  status: number | null;
  retryAfter: string | null;
  data: unknown;
  message: string;
}

// Throttling by reason only: the usageLimits domain also carries refusals that waiting never fixes
// (accessNotConfigured: the API is not enabled; keyInvalid, ipRefererBlocked...).
const RATE_LIMIT_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'quotaExceeded', 'dailyLimitExceeded', 'RESOURCE_EXHAUSTED']);

/** Reads status, Retry-After and body off a GaxiosError (or anything shaped like one). */
export function failureOf(err: unknown): HttpFailure {
  const e = err as { response?: { status?: number; headers?: unknown; data?: unknown }; message?: string };
  const headers = e?.response?.headers;
  let retryAfter: string | null = null;
  if (headers && typeof (headers as Headers).get === 'function') retryAfter = (headers as Headers).get('retry-after');
  else if (headers && typeof headers === 'object') retryAfter = ((headers as Record<string, string>)['retry-after'] ?? null) as string | null;
  return { status: e?.response?.status ?? null, retryAfter, data: e?.response?.data, message: e?.message ?? String(err) };
}

export function apiErrorReason(data: unknown): { reason: string | null; domain: string | null; message: string | null } {
  const error = (data as { error?: unknown } | null)?.error;
  if (error && typeof error === 'object') {
    const e = error as { errors?: { reason?: string; domain?: string }[]; message?: string; status?: string };
    return { reason: e.errors?.[0]?.reason ?? e.status ?? null, domain: e.errors?.[0]?.domain ?? null, message: e.message ?? null };
  }
  // OAuth shape: {"error": "invalid_grant", "error_description": "..."}
  if (typeof error === 'string') return { reason: error, domain: 'oauth', message: (data as { error_description?: string }).error_description ?? null };
  return { reason: null, domain: null, message: null };
}

/** `usedCursor`: the request carried a sync token, so any 410 means "start over". */
export function toProviderError(failure: HttpFailure, usedCursor = false): ProviderError {
  const { status } = failure;
  const { reason, domain, message } = apiErrorReason(failure.data);
  const detail = message ?? failure.message;
  if (status === null) return new ProviderUnavailableError(`Google could not be reached: ${failure.message}`);
  if (reason === 'invalid_grant') return new GrantRevokedError(`Google refused the grant: ${detail}`);
  const given = failure.retryAfter !== null;
  if (status === 429) return new ProviderThrottledError(parseRetryAfter(failure.retryAfter), 'Google is throttling requests', given);
  if (status === 403 && reason !== null && RATE_LIMIT_REASONS.has(reason)) {
    return new ProviderThrottledError(parseRetryAfter(failure.retryAfter), `Google quota exceeded (${reason}, ${domain ?? 'no domain'})`, given);
  }
  if (status === 401) return new AccessTokenExpiredError(`Google rejected the access token: ${detail}`);
  if (status === 410 && (reason === 'fullSyncRequired' || usedCursor)) return new CursorExpiredError();
  if (status === 404 || status === 410) return new ProviderNotFoundError(`Not found at Google: ${detail}`);
  if (status === 408 || status >= 500) {
    return new ProviderUnavailableError(`Google answered ${status}: ${detail}`, failure.retryAfter ? parseRetryAfter(failure.retryAfter) : undefined);
  }
  return new ProviderRequestRejectedError(status, reason, detail);
}

/** Typed errors pass through; anything else is read as an HTTP failure. */
export function asProviderError(err: unknown, usedCursor = false): ProviderError {
  return err instanceof ProviderError ? err : toProviderError(failureOf(err), usedCursor);
}

/**
 * A refresh the token endpoint refused (400, 401, 403: invalid_grant, invalid_client, unauthorized_client...)
 * can only be fixed by the user reconnecting: GrantRevokedError. Outages and throttling stay retryable.
 */
export function refreshRefusal(err: ProviderError): ProviderError {
  if (err instanceof GrantRevokedError) return err;
  const refused = err instanceof AccessTokenExpiredError || (err instanceof ProviderRequestRejectedError && [400, 401, 403].includes(err.status));
  return refused ? new GrantRevokedError(`Google refused to refresh the access token: ${err.message}`) : err;
}
