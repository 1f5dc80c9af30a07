import {
  AuthorizationCodeRefusedError,
  GrantRevokedError,
  ProviderError,
  ProviderNotFoundError,
  ProviderRequestRejectedError,
  ProviderThrottledError,
  UnsupportedMailboxError,
} from '../../providers/provider.errors';
import type { ProviderKind } from '../../providers/calendar-provider';
import { DomainError } from './domain.error';

// What a caller may see of a failure: domain errors as they are, provider failures as a contract code
// with a fixed message per provider (their details, which name hosts, ports and paths, stay in the log).
// The GraphQL error formatter and the OAuth pages both go through here.

const LABEL: Record<ProviderKind, string> = { OUTLOOK: 'Outlook', GOOGLE: 'Google Calendar' };
const labelOf = (p: ProviderKind | null) => (p ? LABEL[p] : 'The calendar provider');

export const providerUnavailableMessage = (p: ProviderKind | null) => `${labelOf(p)} is not responding right now. Try again in a minute.`;

export const UNSUPPORTED_MAILBOX_MESSAGE =
  'This Outlook mailbox is hosted on an on-premises Exchange server. Only Office 365 work or school accounts and Outlook.com, live.com or hotmail.com accounts are supported.';

export const CODE_REFUSED_MESSAGE = 'The provider did not accept this authorization code (it may have expired or been used). Start connecting again.';

/** The public form of a provider failure. */
export function fromProviderError(err: ProviderError): DomainError {
  const p = err.provider;
  if (err instanceof AuthorizationCodeRefusedError) return new DomainError('OAUTH_STATE_INVALID', CODE_REFUSED_MESSAGE);
  if (err instanceof UnsupportedMailboxError) return new DomainError('UNSUPPORTED_ACCOUNT', UNSUPPORTED_MAILBOX_MESSAGE);
  if (err instanceof GrantRevokedError) {
    return new DomainError('CONNECTION_NEEDS_REAUTH', `${labelOf(p)} no longer accepts calbridge's access to this account (it was revoked or expired). Reconnect the account.`);
  }
  if (err instanceof ProviderNotFoundError) return new DomainError('NOT_FOUND', `That calendar or event no longer exists in ${p ? LABEL[p] : 'the provider'}.`);
  if (err instanceof ProviderRequestRejectedError) {
    return new DomainError('PROVIDER_UNAVAILABLE', `${labelOf(p)} did not accept the request. Try again in a minute; if it keeps failing, reconnect the account.`);
  }
  // Unavailable, throttled, expired access or cursor after our own retries, push set-up: all "try again".
  const retry = err instanceof ProviderThrottledError ? { retryAfterSeconds: Math.ceil(err.retryAfterMs / 1000) } : {};
  return new DomainError('PROVIDER_UNAVAILABLE', providerUnavailableMessage(p), retry);
}

/** A failure as a caller may see it; null for an unexpected error (to be masked and logged). */
export function publicError(err: unknown): DomainError | null {
  if (err instanceof DomainError) return err;
  if (err instanceof ProviderError) return fromProviderError(err);
  return null;
}
