import { DomainError } from '../../../src/app/errors/domain.error';
import { Provider } from '../../../src/connections/connection.enums';
import {
  GrantRevokedError,
  ProviderNotFoundError,
  ProviderRequestRejectedError,
  ProviderThrottledError,
  ProviderUnavailableError,
} from '../../../src/providers/provider.errors';
import { decideWriteFailure } from '../../../src/sync/outbox/write-failure';
import { MailboxBusyError } from '../../../src/sync/throttle/mailbox-busy.error';

const now = new Date('2030-06-03T12:00:00Z');
const ctx = { provider: Provider.OUTLOOK, calendarName: 'Work', attempts: 0, now };
const create = { op: 'CREATE' } as const;
const opts = { maxAttempts: 5, retry: { random: () => 0.5 } };

describe('what a failed provider write means for the outbox row', () => {
  test('429 with Retry-After: retried no sooner than asked', () => {
    const d = decideWriteFailure(new ProviderThrottledError(7_000), create, ctx, opts);
    expect(d).toMatchObject({ action: 'retry', attempts: 1 });
    expect((d as { delayMs: number }).delayMs).toBeGreaterThanOrEqual(7_000);
    expect((d as { reason: string }).reason).toMatch(/Outlook is limiting requests/);
  });

  test('503 without Retry-After: exponential backoff', () => {
    const first = decideWriteFailure(new ProviderUnavailableError(), create, ctx, opts) as { delayMs: number };
    const third = decideWriteFailure(new ProviderUnavailableError(), create, { ...ctx, attempts: 2 }, opts) as { delayMs: number };
    expect(first.delayMs).toBeGreaterThan(0);
    expect(third.delayMs).toBeGreaterThan(first.delayMs);
  });

  test('too many failures: FAILED, saying what to do', () => {
    expect(decideWriteFailure(new ProviderUnavailableError(), create, { ...ctx, attempts: 4 }, opts)).toEqual({
      action: 'fail',
      reason: expect.stringMatching(/Outlook kept failing .* over 5 attempts.*Reschedule the appointment/),
    });
  });

  test("our own mailbox slots all taken: tried again soon, no attempt counted, the write's error left as it was", () => {
    const d = decideWriteFailure(new MailboxBusyError('OUTLOOK:acct', 10_000), create, { ...ctx, attempts: 4 }, opts);
    expect(d).toMatchObject({ action: 'retry', attempts: 4, reason: undefined });
    expect((d as { delayMs: number }).delayMs).toBeLessThanOrEqual(2_000);
  });

  test('a refused grant or a connection needing reauthorization: held until reconnected', () => {
    for (const err of [new GrantRevokedError(), new DomainError('CONNECTION_NEEDS_REAUTH', 'reconnect')]) {
      expect(decideWriteFailure(err, create, ctx, opts)).toEqual({ action: 'hold', reason: expect.stringMatching(/Reconnect the account/) });
    }
  });

  test('403: FAILED with a reason naming the calendar and the fix', () => {
    const d = decideWriteFailure(new ProviderRequestRejectedError(403, 'ErrorAccessDenied', 'denied'), create, { ...ctx, provider: Provider.GOOGLE }, opts);
    expect(d).toEqual({ action: 'fail', reason: expect.stringMatching(/Google Calendar does not let calbridge write to the calendar "Work".*link another calendar/) });
  });

  test('an update of an event deleted at the provider: written anew', () => {
    expect(decideWriteFailure(new ProviderNotFoundError(), { op: 'UPDATE', externalEventId: 'e' }, ctx, opts)).toEqual({ action: 'recreate' });
  });

  test('a create into a calendar that no longer exists: FAILED', () => {
    expect(decideWriteFailure(new ProviderNotFoundError(), create, ctx, opts)).toEqual({ action: 'fail', reason: expect.stringMatching(/"Work" no longer exists in Outlook/) });
  });
});
