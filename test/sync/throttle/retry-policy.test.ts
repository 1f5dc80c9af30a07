import { toProviderError } from '../../../src/providers/google/google-error.mapper';
import {
  AccessTokenExpiredError,
  CursorExpiredError,
  GrantRevokedError,
  ProviderNotFoundError,
  ProviderRequestRejectedError,
  ProviderThrottledError,
  ProviderUnavailableError,
  UnsupportedMailboxError,
} from '../../../src/providers/provider.errors';
import { MailboxBusyError } from '../../../src/sync/throttle/mailbox-busy.error';
import { classifyFailure, type ProviderFailure } from '../../../src/sync/throttle/provider-failure';
import { backoffMs, decideRetry, defaultRetryPolicyOptions } from '../../../src/sync/throttle/retry-policy';

const now = new Date('2030-01-01T10:00:00Z');
const later = (d: { runAt: Date }) => d.runAt.getTime() - now.getTime();
const fixed = (r: number) => () => r;

describe('classifyFailure', () => {
  it('reads the drivers typed errors', () => {
    expect(classifyFailure(new ProviderThrottledError(3_000, 'x', true).from('OUTLOOK'))).toMatchObject({ kind: 'throttled', retryAfterMs: 3_000, provider: 'OUTLOOK' });
    // a guessed wait is no Retry-After: the policy backs off instead
    expect(classifyFailure(new ProviderThrottledError(1_000, 'x', false))).toMatchObject({ kind: 'throttled', retryAfterMs: null });
    expect(classifyFailure(new ProviderUnavailableError('503', 7_000))).toMatchObject({ kind: 'transient', retryAfterMs: 7_000 });
    expect(classifyFailure(new ProviderUnavailableError('reset'))).toMatchObject({ kind: 'transient', retryAfterMs: null });
    expect(classifyFailure(new AccessTokenExpiredError())).toMatchObject({ kind: 'transient' });
    expect(classifyFailure(new GrantRevokedError())).toMatchObject({ kind: 'grant-revoked' });
    expect(classifyFailure(new CursorExpiredError())).toMatchObject({ kind: 'cursor-expired' });
    expect(classifyFailure(new ProviderNotFoundError())).toMatchObject({ kind: 'not-found' });
    expect(classifyFailure(new ProviderRequestRejectedError(403, 'insufficientPermissions', 'no'))).toMatchObject({ kind: 'permanent' });
    expect(classifyFailure(new UnsupportedMailboxError())).toMatchObject({ kind: 'permanent' });
    expect(classifyFailure(new MailboxBusyError('OUTLOOK:t.o', 10_000))).toMatchObject({ kind: 'mailbox-busy' });
    expect(classifyFailure(new TypeError('x is undefined'))).toMatchObject({ kind: 'internal' });
  });

  it("takes Google's 403 rate-limit reasons for throttling", () => {
    const body = (reason: string) => ({ error: { errors: [{ domain: 'usageLimits', reason }], code: 403, message: reason } });
    for (const reason of ['rateLimitExceeded', 'userRateLimitExceeded']) {
      expect(classifyFailure(toProviderError({ status: 403, data: body(reason), retryAfter: null, message: '' }))).toMatchObject({ kind: 'throttled', retryAfterMs: null });
    }
    expect(classifyFailure(toProviderError({ status: 403, data: body('accessNotConfigured'), retryAfter: null, message: '' }))).toMatchObject({ kind: 'permanent' });
  });
});

describe('decideRetry', () => {
  const failure = (kind: ProviderFailure['kind'], retryAfterMs: number | null = null): ProviderFailure => ({ kind, retryAfterMs, provider: 'GOOGLE', detail: 'd' });

  it('defers a throttled job until Retry-After, never earlier, spread by at most a second', () => {
    const low = decideRetry(failure('throttled', 30_000), 0, now, { random: fixed(0) });
    expect(low).toMatchObject({ action: 'defer', reason: 'retry-after', consecutiveFailures: 1, markError: false, lastError: null });
    expect(later(low as { runAt: Date })).toBe(30_000);
    const high = decideRetry(failure('throttled', 30_000), 0, now, { random: fixed(0.999) });
    expect(later(high as { runAt: Date })).toBeGreaterThan(30_000);
    expect(later(high as { runAt: Date })).toBeLessThanOrEqual(31_000);
    // a 503 with Retry-After is honoured the same way
    expect(later(decideRetry(failure('transient', 4_000), 2, now, { random: fixed(0) }) as { runAt: Date })).toBe(4_000);
  });

  it('backs off exponentially with full jitter when no wait was named', () => {
    const o = { baseDelayMs: 1_000, maxDelayMs: 60_000, minDelayMs: 100 };
    // the cap doubles per consecutive failure; the random draw picks a point below it
    expect([1, 2, 3, 4, 7, 10].map((n) => later(decideRetry(failure('transient'), n - 1, now, { ...o, random: fixed(0.5) }) as { runAt: Date }))).toEqual([
      500, 1_000, 2_000, 4_000, 30_000, 30_000,
    ]);
    expect(later(decideRetry(failure('throttled'), 3, now, { ...o, random: fixed(0.999) }) as { runAt: Date })).toBe(7_992);
    // full jitter reaches down to the floor, never to zero
    expect(later(decideRetry(failure('transient'), 5, now, { ...o, random: fixed(0) }) as { runAt: Date })).toBe(100);
    expect(backoffMs(1_000, { ...defaultRetryPolicyOptions, random: fixed(0.999) })).toBeLessThanOrEqual(defaultRetryPolicyOptions.maxDelayMs);
  });

  it('shows ERROR with a plain lastError after N consecutive failures, and keeps retrying', () => {
    const o = { errorAfterFailures: 3, random: fixed(0.5) };
    const third = decideRetry(failure('transient'), 1, now, o);
    expect(third).toMatchObject({ action: 'defer', consecutiveFailures: 2, markError: false, lastError: null });
    const fourth = decideRetry(failure('transient'), 2, now, o);
    expect(fourth).toMatchObject({ action: 'defer', consecutiveFailures: 3, markError: true, lastError: 'Google Calendar is not responding. Sync continues automatically when it is back.' });
    const throttled = decideRetry(failure('throttled', 5_000), 7, now, o);
    expect(throttled).toMatchObject({ action: 'defer', markError: true, lastError: 'Google Calendar is limiting requests for this account. Sync continues automatically when it allows more.' });
    expect((throttled as { lastError: string }).lastError).not.toMatch(/https?:|\/calendar\/v3|\d{3}/);
  });

  it('marks a refusal ERROR at once and retries it rarely', () => {
    const d = decideRetry(failure('permanent'), 0, now, { maxDelayMs: 900_000 });
    expect(d).toMatchObject({ action: 'defer', markError: true, consecutiveFailures: 1 });
    expect(later(d as { runAt: Date })).toBe(900_000);
  });

  it('turns an expired cursor into a full resync now, a revoked grant into NEEDS_REAUTH, a deleted calendar into gone', () => {
    expect(decideRetry(failure('cursor-expired'), 2, now)).toEqual({ action: 'full-resync', runAt: now, consecutiveFailures: 2 });
    expect(decideRetry(failure('grant-revoked'), 0, now)).toMatchObject({ action: 'reauth', lastError: expect.stringMatching(/Reconnect the account/) });
    expect(decideRetry(failure('not-found'), 0, now)).toEqual({ action: 'gone', consecutiveFailures: 0 });
  });

  it('defers briefly when the mailbox is busy, counting nothing', () => {
    const d = decideRetry(failure('mailbox-busy'), 4, now, { busyDelayMs: 1_000, random: fixed(0.5), errorAfterFailures: 5 });
    expect(d).toMatchObject({ action: 'defer', reason: 'busy', consecutiveFailures: 4, markError: false });
    expect(later(d as { runAt: Date })).toBe(1_500);
  });

  it('does not believe an absurd Retry-After', () => {
    expect(later(decideRetry(failure('throttled', 30 * 86_400_000), 0, now, { random: fixed(0), maxRetryAfterMs: 3_600_000 }) as { runAt: Date })).toBe(3_600_000);
  });
});
