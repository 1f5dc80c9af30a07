// Every expected failure is a DomainError with a code from the public contract.
// The GraphQL layer maps `code` to `extensions.code` in one place (error-formatter).
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'FEATURE_NOT_IN_PLAN'
  | 'FEATURE_NOT_ENABLED'
  | 'ACCOUNT_ALREADY_CONNECTED'
  | 'ACCOUNT_CONNECTED_TO_ANOTHER_USER'
  | 'ACCOUNT_IN_ANOTHER_LOCATION'
  | 'UNSUPPORTED_ACCOUNT'
  | 'CALENDAR_NOT_WRITABLE'
  | 'SLOT_UNAVAILABLE'
  | 'CONNECTION_NEEDS_REAUTH'
  | 'OAUTH_STATE_INVALID'
  | 'PROVIDER_UNAVAILABLE'
  // An addition to the contract's codes: the caller is over its rate limit (HTTP 429 with Retry-After).
  | 'RATE_LIMITED';

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}
