import { allCalls } from '../../src/providers/shared/all-calls';

// Calls made side by side for one answer: a failure is returned only once the other calls have ended, so none is
// left retrying after the request has answered (or after the service has stopped).

/** A call that ends when the test says so. */
function pending<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('allCalls', () => {
  it('returns every result, in order', async () => {
    await expect(allCalls([Promise.resolve(1), Promise.resolve('two')])).resolves.toEqual([1, 'two']);
  });

  it('fails with the first failure only once the other call has ended', async () => {
    const slow = pending<string>();
    let outcome: 'pending' | Error = 'pending';
    const all = allCalls([Promise.reject(new Error('unreachable')), slow.promise]).catch((err: Error) => (outcome = err));
    // Let everything already settled run: Promise.all would have rejected by now.
    await new Promise((r) => setImmediate(r));
    expect(outcome).toBe('pending');
    slow.resolve('late');
    await all;
    expect(outcome).toEqual(new Error('unreachable'));
  });

  it('reports the failure of the earlier call when several fail', async () => {
    const second = pending<number>();
    const all = allCalls([Promise.reject(new Error('first')), second.promise]);
    second.reject(new Error('second'));
    await expect(all).rejects.toThrow('first');
  });
});
