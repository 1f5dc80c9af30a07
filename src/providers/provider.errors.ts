import type { ProviderKind } from './calendar-provider';

// Typed failures every driver raises instead of library-specific errors. They are internal: their
// messages carry transport details (paths, hosts, provider error texts) for the log only. Services
// decide what each means for a connection (retry later, NEEDS_REAUTH, full resync...); callers see
// them only through the one public mapping (src/app/errors/public-error.ts).
export abstract class ProviderError extends Error {
  /** Which provider failed; stamped by the driver, null when unknown. */
  provider: ProviderKind | null = null;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }

  /** Names the provider unless already named; returns the error for `throw x.from('GOOGLE')`. */
  from(provider: ProviderKind): this {
    this.provider ??= provider;
    return this;
  }
}

/** Stamps a driver's failures with its provider (anything else passes through untouched). */
export function fromProvider<E>(err: E, provider: ProviderKind): E {
  if (err instanceof ProviderError) err.from(provider);
  return err;
}

/** 429 / quota exceeded after the driver's own bounded retries. */
export class ProviderThrottledError extends ProviderError {
  constructor(
    readonly retryAfterMs: number,
    detail = 'The calendar provider is throttling requests',
    /** The provider named the wait (Retry-After); false: `retryAfterMs` is our guess, and callers back off instead. */
    readonly retryAfterGiven = true,
  ) {
    super(`${detail}; retry in ${Math.ceil(retryAfterMs / 1000)}s`);
  }
}

/** 5xx, timeouts, dropped connections after the driver's own bounded retries. */
export class ProviderUnavailableError extends ProviderError {
  constructor(detail = 'The calendar provider is unavailable', readonly retryAfterMs?: number) {
    super(detail);
  }
}

/** 401 on an API call: the access token expired or was rejected; refresh and try again. */
export class AccessTokenExpiredError extends ProviderError {
  constructor(detail = 'The access token expired') {
    super(detail);
  }
}

/** invalid_grant on refresh: the user must reconnect. */
export class GrantRevokedError extends ProviderError {
  constructor(detail = 'The provider refused the grant') {
    super(detail);
  }
}

/** The provider refused an authorization code at the exchange (expired, used, wrong PKCE verifier or redirect). */
export class AuthorizationCodeRefusedError extends ProviderError {
  constructor(detail = 'The provider refused the authorization code') {
    super(detail);
  }
}

/** Graph 410 / syncStateNotFound / resyncRequired, Google 410 fullSyncRequired: start a full sync. */
export class CursorExpiredError extends ProviderError {
  constructor(detail = 'The sync cursor expired; a full sync is required') {
    super(detail);
  }
}

/** The calendar or event does not exist (or no longer exists) at the provider. */
export class ProviderNotFoundError extends ProviderError {
  constructor(detail = 'Not found at the provider') {
    super(detail);
  }
}

/** Outlook mailbox on on-premises Exchange (Graph 404 MailboxNotEnabledForRESTAPI). */
export class UnsupportedMailboxError extends ProviderError {
  constructor(detail = 'Graph answered MailboxNotEnabledForRESTAPI: the mailbox is on an on-premises Exchange server') {
    super(detail);
  }
}

/** A push subscription could not be created (e.g. Graph's validation handshake failed). */
export class PushSetupFailedError extends ProviderError {
  constructor(detail = 'The provider could not set up push notifications') {
    super(detail);
  }
}

/**
 * The provider refused the request for a reason retrying cannot fix (400 invalid, 403 insufficient scope
 * or access, 409, 412). Not retried. Public code PROVIDER_UNAVAILABLE: it is the provider's refusal, not our authorization.
 */
export class ProviderRequestRejectedError extends ProviderError {
  constructor(
    readonly status: number,
    /** The provider's own error code or reason (Graph `error.code`, Google `errors[0].reason`). */
    readonly reason: string | null,
    detail: string,
  ) {
    super(`The calendar provider refused the request (${status}${reason ? ` ${reason}` : ''}): ${detail}`);
  }
}

/** At a code exchange, a refused grant or request means the code itself was refused. */
export function asCodeRefusal(err: unknown): unknown {
  if (err instanceof GrantRevokedError || err instanceof ProviderRequestRejectedError) {
    const refused = new AuthorizationCodeRefusedError(err.message);
    if (err.provider) refused.from(err.provider);
    return refused;
  }
  return err;
}
