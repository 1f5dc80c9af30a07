import type { ProviderCallContext, ProviderCalls } from '../provider-calls';
import { mailboxKey, MailboxSemaphore } from './mailbox-semaphore';

/**
 * The provider-call seam with the per-mailbox semaphore: every call of the sync jobs (reads, calendar lists, push
 * channels, token refreshes) holds one of the mailbox's request slots while it runs, over every instance. Keyed on
 * the provider account, since one mailbox may be connected in two locations. A call that gets no slot within the
 * bounded wait fails with MailboxBusyError, and its job is deferred (never a worker waiting on and on).
 */
export class MailboxProviderCalls implements ProviderCalls {
  constructor(
    private readonly semaphore: MailboxSemaphore,
    private readonly waitMs?: number,
  ) {}

  run<T>(ctx: ProviderCallContext, call: () => Promise<T>): Promise<T> {
    return this.semaphore.run(mailboxKey(ctx.connection.provider, ctx.connection.accountExternalId), call, { waitMs: this.waitMs });
  }
}
