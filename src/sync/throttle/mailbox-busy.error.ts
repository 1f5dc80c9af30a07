/**
 * The mailbox's request slots stayed taken for the whole bounded wait. Our own throttling, not a provider
 * failure: the job is deferred briefly and it counts toward nothing.
 */
export class MailboxBusyError extends Error {
  constructor(
    readonly mailbox: string,
    readonly waitedMs: number,
  ) {
    super(`All request slots of mailbox ${mailbox} stayed taken for ${waitedMs} ms`);
    this.name = 'MailboxBusyError';
  }
}
