import { ProviderRequestRejectedError, ProviderThrottledError, ProviderUnavailableError } from '../../src/providers/provider.errors';
import { withRetries } from '../../src/providers/shared/with-retries';

// The drivers' in-call retry loop: short waits are taken in place, a wait past the call's budget is not
// (the typed error reaches the caller, whose job is deferred instead of a worker sleeping on a slot).

function failing(...errors: Error[]) {
  const calls: number[] = [];
  const attempt = async (n: number) => {
    calls.push(n);
    const err = errors.shift();
    if (err) throw err;
    return 'ok';
  };
  return { attempt, calls };
}

describe('withRetries', () => {
  const policy = { maxAttempts: 4, baseDelayMs: 100, maxWaitMs: 5_000 };

  it('waits out a short Retry-After in place', async () => {
    const slept: number[] = [];
    const { attempt, calls } = failing(new ProviderThrottledError(1_500));
    await expect(withRetries(attempt, policy, async (ms) => void slept.push(ms))).resolves.toBe('ok');
    expect(slept).toEqual([1_500]);
    expect(calls).toEqual([1, 2]);
  });

  it('surfaces a Retry-After beyond the budget at once, without sleeping', async () => {
    const slept: number[] = [];
    const { attempt, calls } = failing(new ProviderThrottledError(30_000));
    await expect(withRetries(attempt, policy, async (ms) => void slept.push(ms))).rejects.toMatchObject({ retryAfterMs: 30_000 });
    expect(slept).toEqual([]);
    expect(calls).toEqual([1]);
  });

  it('counts every wait of one call against the budget', async () => {
    const slept: number[] = [];
    const { attempt, calls } = failing(new ProviderThrottledError(2_000), new ProviderUnavailableError('503', 2_000), new ProviderThrottledError(2_000));
    await expect(withRetries(attempt, policy, async (ms) => void slept.push(ms))).rejects.toBeInstanceOf(ProviderThrottledError);
    expect(slept).toEqual([2_000, 2_000]);
    expect(calls).toEqual([1, 2, 3]);
  });

  it('backs off outages without Retry-After, and stops after maxAttempts', async () => {
    const slept: number[] = [];
    const outage = () => new ProviderUnavailableError('down');
    const { attempt, calls } = failing(outage(), outage(), outage(), outage());
    await expect(withRetries(attempt, policy, async (ms) => void slept.push(ms))).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect(calls).toEqual([1, 2, 3, 4]);
    expect(slept).toHaveLength(3);
    slept.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual(50 * 2 ** i);
      expect(ms).toBeLessThanOrEqual(100 * 2 ** i);
    });
  });

  it('never retries a refusal', async () => {
    const { attempt, calls } = failing(new ProviderRequestRejectedError(400, 'invalid', 'bad'));
    await expect(withRetries(attempt, policy, async () => {})).rejects.toBeInstanceOf(ProviderRequestRejectedError);
    expect(calls).toEqual([1]);
  });
});
