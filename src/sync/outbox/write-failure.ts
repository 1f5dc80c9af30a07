import { Provider } from '../../connections/connection.enums';
import { DomainError } from '../../app/errors/domain.error';
import { GrantRevokedError, ProviderRequestRejectedError, UnsupportedMailboxError } from '../../providers/provider.errors';
import { classifyFailure } from '../throttle/provider-failure';
import { decideRetry, RetryPolicyOptions } from '../throttle/retry-policy';
import type { WriteStep } from './write-plan';

// What a failed provider write means for the outbox row. Pure: the error, the failures so far, the clock in;
// a decision out. The reasons are shown as ParticipantWrite.error, so they say what the user can do.

export interface WriteFailureOptions {
  /** Failures of one write (throttling, outages) after which it ends FAILED. */
  maxAttempts: number;
  retry?: Partial<RetryPolicyOptions>;
}

export const defaultWriteFailureOptions: WriteFailureOptions = { maxAttempts: 12 };

export type WriteFailureDecision =
  /**
   * Try again in `delayMs` (Retry-After honoured, else backoff); `attempts` is what to store. `reason` undefined:
   * not the provider's doing (our own per-mailbox limit), so what the write shows stays as it was.
   */
  | { action: 'retry'; delayMs: number; attempts: number; reason: string | undefined }
  /** The connection needs reauthorization: the write waits, PENDING, until the account is reconnected. */
  | { action: 'hold'; reason: string }
  /** The event was deleted at the provider before this update: write it anew (with a new key). */
  | { action: 'recreate' }
  /** Given up: FAILED with a reason a user can act on. */
  | { action: 'fail'; reason: string };

/** The connection does no provider work for now (its calendar feature was switched off): writes wait for it. */
export class ConnectionPausedError extends Error {
  constructor(readonly why: string | null) {
    super(why ?? 'the connection is paused');
  }
}

const LABEL: Record<Provider, string> = { OUTLOOK: 'Outlook', GOOGLE: 'Google Calendar' };

export function decideWriteFailure(err: unknown, step: WriteStep, ctx: { provider: Provider; calendarName: string; attempts: number; now: Date }, options: WriteFailureOptions = defaultWriteFailureOptions): WriteFailureDecision {
  const who = LABEL[ctx.provider];
  if ((err instanceof DomainError && err.code === 'CONNECTION_NEEDS_REAUTH') || err instanceof GrantRevokedError) {
    return { action: 'hold', reason: `${who} no longer accepts calbridge's access to this account. Reconnect the account: the event is written then.` };
  }
  if (err instanceof ConnectionPausedError) {
    return { action: 'hold', reason: `${err.why ?? `${who} syncing is paused for this connection.`} The event is written when it resumes.` };
  }
  const failure = classifyFailure(err);
  switch (failure.kind) {
    case 'not-found':
      if (step.op === 'UPDATE') return { action: 'recreate' };
      return { action: 'fail', reason: `The calendar "${ctx.calendarName}" no longer exists in ${who}. Link another calendar, then reschedule the appointment to write it there.` };
    case 'grant-revoked':
      return { action: 'hold', reason: `${who} no longer accepts calbridge's access to this account. Reconnect the account: the event is written then.` };
    case 'permanent':
      return { action: 'fail', reason: refusalText(err, who, ctx.calendarName) };
  }
  const decision = decideRetry(failure, ctx.attempts, ctx.now, options.retry);
  if (decision.action !== 'defer') return { action: 'fail', reason: `${who} did not accept the event. Reschedule the appointment to try again.` };
  // Our own mailbox semaphore being full is not a failure of the write.
  const attempts = decision.reason === 'busy' ? ctx.attempts : ctx.attempts + 1;
  if (attempts >= options.maxAttempts) {
    return { action: 'fail', reason: `${who} kept failing (unavailable or limiting requests) over ${attempts} attempts, so the event was not written. Reschedule the appointment to try again.` };
  }
  const delayMs = Math.max(0, decision.runAt.getTime() - ctx.now.getTime());
  if (decision.reason === 'busy') return { action: 'retry', delayMs, attempts, reason: undefined };
  const waiting = failure.kind === 'throttled' ? `${who} is limiting requests for this account` : `${who} is not responding`;
  return { action: 'retry', delayMs, attempts, reason: `${waiting}; calbridge retries automatically.` };
}

/** A refusal retrying cannot fix, in words: what was refused and what the user can change. */
function refusalText(err: unknown, who: string, calendar: string): string {
  if (err instanceof UnsupportedMailboxError) return `This Outlook mailbox is on an on-premises Exchange server, which calbridge cannot write to. Link a calendar of another account.`;
  if (err instanceof ProviderRequestRejectedError && (err.status === 401 || err.status === 403)) {
    return `${who} does not let calbridge write to the calendar "${calendar}" (it may be shared read-only, or write access was not granted). Reconnect with write access or link another calendar, then reschedule the appointment.`;
  }
  return `${who} refused the event for the calendar "${calendar}". Check the appointment's details and the linked calendar, then reschedule the appointment to try again.`;
}
