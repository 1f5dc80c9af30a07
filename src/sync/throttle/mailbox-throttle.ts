import type { DataSource } from 'typeorm';
import { logger } from '../../app/logging/logger';
import type { ProviderKind } from '../../providers/calendar-provider';
import { MailboxThrottleRepository } from './mailbox-throttle.repository';
import { MailboxThrottledError } from './mailbox-throttled.error';
import { namedWaitMs } from './provider-failure';

// A Retry-After longer than this is not believed (as in the retry policy): misconfigured proxies.
const MAX_THROTTLE_MS = 6 * 3_600_000;

/**
 * A provider's Retry-After (429, 503, Google's 403 rate limits) holds for the whole mailbox: until it passes, no job
 * of any instance calls that mailbox, whichever calendar (or channel, or list) it is for. Recorded in PostgreSQL;
 * each process also remembers the throttles it has seen, so a throttled mailbox costs no query until it ends.
 */
export class MailboxThrottle {
  private readonly repo: MailboxThrottleRepository;
  /** Mailbox → end of its throttle as seen here (epoch ms). */
  private readonly known = new Map<string, number>();

  constructor(ds: DataSource) {
    this.repo = new MailboxThrottleRepository(ds);
  }

  /** As `check`, from what this process has seen only (no query): for calls right after a full check. */
  checkKnown(mailbox: string, provider: ProviderKind): void {
    const until = this.known.get(mailbox);
    if (until !== undefined && until > Date.now()) throw new MailboxThrottledError(mailbox, until - Date.now()).from(provider);
  }

  /** Throws MailboxThrottledError (no call is made) while the mailbox is throttled. */
  async check(mailbox: string, provider: ProviderKind): Promise<void> {
    const until = this.known.get(mailbox);
    if (until !== undefined) {
      if (until > Date.now()) throw new MailboxThrottledError(mailbox, until - Date.now()).from(provider);
      this.known.delete(mailbox);
    }
    const ms = await this.repo.remainingMs(mailbox);
    if (ms <= 0) return;
    this.known.set(mailbox, Date.now() + ms);
    throw new MailboxThrottledError(mailbox, ms).from(provider);
  }

  /** After a failed call: a wait the provider named throttles the mailbox. */
  async failed(mailbox: string, err: unknown): Promise<void> {
    if (err instanceof MailboxThrottledError) return;
    const retryAfterMs = namedWaitMs(err);
    if (retryAfterMs === null) return;
    const ms = Math.min(retryAfterMs, MAX_THROTTLE_MS);
    this.known.set(mailbox, Math.max(this.known.get(mailbox) ?? 0, Date.now() + ms));
    try {
      await this.repo.throttle(mailbox, ms);
    } catch (e) {
      // Still known here; the call's own failure is what the caller handles.
      logger.warn({ err: e, mailbox }, 'could not record the throttle of a mailbox');
    }
  }
}
