import { DomainError } from '../app/errors/domain.error';

// Typed failures every driver raises instead of library-specific errors.
// Services decide what each means for a connection (retry later, NEEDS_REAUTH, full resync...).
export abstract class ProviderError extends DomainError {}

/** 429 / quota exceeded after the driver's own bounded retries. */
export class ProviderThrottledError extends ProviderError {
  constructor(readonly retryAfterMs: number, detail = 'The calendar provider is throttling requests') {
    super('PROVIDER_UNAVAILABLE', `${detail}; retry in ${Math.ceil(retryAfterMs / 1000)}s`, { retryAfterMs });
  }
}

/** 5xx, timeouts, dropped connections after the driver's own bounded retries. */
export class ProviderUnavailableError extends ProviderError {
  constructor(detail = 'The calendar provider is unavailable', readonly retryAfterMs?: number) {
    super('PROVIDER_UNAVAILABLE', detail, retryAfterMs === undefined ? {} : { retryAfterMs });
  }
}

/** 401 on an API call: the access token expired or was rejected; refresh and try again. */
export class AccessTokenExpiredError extends ProviderError {
  constructor(detail = 'The access token expired') {
    super('PROVIDER_UNAVAILABLE', detail);
  }
}

/** invalid_grant on refresh or code exchange: the user must reconnect. */
export class GrantRevokedError extends ProviderError {
  constructor(detail = 'The provider refused the grant') {
    super('CONNECTION_NEEDS_REAUTH', detail);
  }
}

/** Graph 410 / syncStateNotFound / resyncRequired, Google 410 fullSyncRequired: start a full sync. */
export class CursorExpiredError extends ProviderError {
  constructor(detail = 'The sync cursor expired; a full sync is required') {
    super('PROVIDER_UNAVAILABLE', detail);
  }
}

/** The calendar or event does not exist (or no longer exists) at the provider. */
export class ProviderNotFoundError extends ProviderError {
  constructor(detail = 'Not found at the provider') {
    super('NOT_FOUND', detail);
  }
}

/** Outlook mailbox on on-premises Exchange (Graph 404 MailboxNotEnabledForRESTAPI). */
export class UnsupportedMailboxError extends ProviderError {
  constructor(
    detail = 'This Outlook mailbox is hosted on an on-premises Exchange server. Only Office 365 work or school accounts and Outlook.com, live.com or hotmail.com accounts are supported.',
  ) {
    super('UNSUPPORTED_ACCOUNT', detail);
  }
}

/** A push subscription could not be created (e.g. Graph's validation handshake failed). */
export class PushSetupFailedError extends ProviderError {
  constructor(detail = 'The provider could not set up push notifications') {
    super('PROVIDER_UNAVAILABLE', detail);
  }
}

/**
 * The provider refused the request for a reason retrying cannot fix (400 invalid, 403 insufficient scope
 * or access, 409, 412). Not retried. PROVIDER_UNAVAILABLE: it is the provider's refusal, not our authorization.
 */
export class ProviderRequestRejectedError extends ProviderError {
  constructor(
    readonly status: number,
    /** The provider's own error code or reason (Graph `error.code`, Google `errors[0].reason`). */
    readonly reason: string | null,
    detail: string,
  ) {
    super('PROVIDER_UNAVAILABLE', `The calendar provider refused the request (${status}${reason ? ` ${reason}` : ''}): ${detail}`, { status, reason });
  }
}
