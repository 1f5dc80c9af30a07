import { ProviderError } from '../provider.errors';

// Google refused the request for a reason retrying cannot fix (400 invalid, 403 forbidden or
// insufficient scope, 412...). Not in provider.errors.ts yet: see the driver's notes.
export class ProviderRequestRejectedError extends ProviderError {
  constructor(
    readonly status: number,
    readonly reason: string | null,
    detail: string,
  ) {
    super('PROVIDER_UNAVAILABLE', `Google refused the request (${status}${reason ? ` ${reason}` : ''}): ${detail}`, { status, reason });
  }
}
