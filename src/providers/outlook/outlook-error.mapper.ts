// Graph and msal failures → the typed provider errors the services understand.
import { parseRetryAfter } from '../shared/with-retries';
import {
  AccessTokenExpiredError,
  CursorExpiredError,
  GrantRevokedError,
  ProviderError,
  ProviderNotFoundError,
  ProviderRequestRejectedError,
  ProviderThrottledError,
  ProviderUnavailableError,
  UnsupportedMailboxError,
} from '../provider.errors';
import { TransportFailure } from '../shared/provider-exchange';

interface GraphErrorLike {
  statusCode: number;
  code: string | null;
  message: string;
  headers?: { get(name: string): string | null } | null;
}

const isGraphError = (e: unknown): e is GraphErrorLike => typeof e === 'object' && e !== null && typeof (e as GraphErrorLike).statusCode === 'number';
const CURSOR_CODES = /^(syncStateNotFound|syncStateInvalid|resyncRequired)$/i;

export function mapGraphError(err: unknown): Error {
  if (err instanceof ProviderError) return err;
  if (err instanceof TransportFailure) return new ProviderUnavailableError(`Microsoft Graph unreachable: ${err.message}`);
  if (!isGraphError(err)) return err instanceof Error ? err : new Error(String(err));
  const { statusCode: status } = err;
  const code = err.code ?? '';
  const retryAfter = err.headers?.get?.('retry-after') ?? null;
  const detail = `Microsoft Graph ${status} ${code}: ${err.message}`;
  if (status <= 0) return new ProviderUnavailableError(`Microsoft Graph unreachable: ${err.message}`);
  if (status === 429) return new ProviderThrottledError(parseRetryAfter(retryAfter, 1000), detail, retryAfter !== null);
  if (status === 401) return new AccessTokenExpiredError(detail);
  if (status === 410 || CURSOR_CODES.test(code)) return new CursorExpiredError(detail);
  if (code === 'MailboxNotEnabledForRESTAPI') return new UnsupportedMailboxError();
  if (status === 404) return new ProviderNotFoundError(detail);
  if (status >= 500 || status === 408) return new ProviderUnavailableError(detail, retryAfter ? parseRetryAfter(retryAfter) : undefined);
  return new ProviderRequestRejectedError(status, code, err.message);
}

interface MsalErrorLike {
  errorCode?: string;
  errorMessage?: string;
  status?: number;
  name?: string;
  message: string;
}

// msal found nothing usable in its token cache for this authority and account: nothing was asked of Microsoft yet
const MSAL_CACHE_MISS = new Set([
  'no_tokens_found',
  'no_account_found',
  'no_account_in_silent_request',
  'refresh_token_expired',
  'invalid_cache_record',
  'invalid_cache_environment',
  'multiple_matching_tokens',
  'token_refresh_required',
]);
// (`temporarily_unavailable` is OAuth's own code for an identity platform that cannot answer now.)
const MSAL_TRANSIENT = new Set(['network_error', 'no_network_connectivity', 'endpoints_resolution_error', 'openid_config_error', 'temporarily_unavailable']);

export const isMsalCacheMiss = (err: unknown): boolean => MSAL_CACHE_MISS.has((err as MsalErrorLike)?.errorCode ?? '');

const firstLine = (e: MsalErrorLike) => (e.errorMessage || e.message).split('\n')[0].slice(0, 300);

/**
 * msal failures → typed errors. Whatever stops a token from being obtained that only the user can fix
 * (the server refusing the grant or the client, interaction required, nothing usable in the cache) is
 * GrantRevokedError, so the connection goes NEEDS_REAUTH; outages stay PROVIDER_UNAVAILABLE.
 */
export function mapMsalError(err: unknown): Error {
  if (err instanceof ProviderError) return err;
  if (err instanceof TransportFailure) return new ProviderUnavailableError(`Microsoft identity platform unreachable: ${err.message}`);
  const e = err as MsalErrorLike;
  if (!e?.errorCode) return err instanceof Error ? err : new Error(String(err));
  if (e.status === 429) return new ProviderThrottledError(1000, 'The Microsoft identity platform is throttling requests', false);
  if (typeof e.status === 'number' && e.status >= 500) return new ProviderUnavailableError(`Microsoft identity platform ${e.status}: ${e.errorCode}`);
  if (MSAL_TRANSIENT.has(e.errorCode)) return new ProviderUnavailableError(`Microsoft identity platform unreachable: ${firstLine(e)}`);
  if (isMsalCacheMiss(err)) return new GrantRevokedError(`No usable Microsoft token for this connection (${e.errorCode})`);
  if (e.errorCode === 'invalid_grant' || e.name === 'InteractionRequiredAuthError' || e.name === 'ServerError') return new GrantRevokedError(`Microsoft refused the grant: ${firstLine(e)}`);
  return err instanceof Error ? err : new Error(String(err));
}
