import type { ProviderCallContext, ProviderCalls } from '../provider-calls';
import type { MailboxThrottle } from './mailbox-throttle';
import { mailboxKey, MailboxSemaphore } from './mailbox-semaphore';

/**
 * The provider-call seam with the per-mailbox semaphore: every call of the sync jobs (reads, calendar lists, push
 * channels, token refreshes) holds one of the mailbox's request slots while it runs, over every instance. Keyed on
 * the provider account, since one mailbox may be connected in two locations. A call that gets no slot within the
 * bounded wait fails with MailboxBusyError, and its job is deferred (never a worker waiting on and on). With a
 * throttle, a Retry-After the provider names stops every call to the mailbox until it passes (MailboxThrottledError:
 * the job is deferred until then).
 */
export class MailboxProviderCalls implements ProviderCalls {
  constructor(
    private readonly semaphore: MailboxSemaphore,
    private readonly options: { waitMs?: number; throttle?: MailboxThrottle } = {},
  ) {}

  run<T>(ctx: ProviderCallContext, call: () => Promise<T>): Promise<T> {
    const { provider } = ctx.connection;
    const mailbox = mailboxKey(provider, ctx.connection.accountExternalId);
    const throttle = this.options.throttle;
    return this.semaphore.run(
      mailbox,
      async () => {
        if (!throttle) return call();
        await throttle.check(mailbox, provider);
        try {
          return await call();
        } catch (err) {
          await throttle.failed(mailbox, err);
          throw err;
        }
      },
      { waitMs: this.options.waitMs },
    );
  }
}
