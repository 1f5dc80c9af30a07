import { ProviderThrottledError } from '../../providers/provider.errors';

/**
 * The provider asked (Retry-After) for no requests to this mailbox until a time not yet reached: the call was not
 * made. A throttle like the provider's own, so the job is deferred until then as if it had been refused itself.
 */
export class MailboxThrottledError extends ProviderThrottledError {
  constructor(
    readonly mailbox: string,
    retryAfterMs: number,
  ) {
    super(retryAfterMs, `The provider throttles mailbox ${mailbox}; no request is sent before its Retry-After`);
  }
}
