// Provider calls made side by side for one answer. Promise.all rejects at the first failure and leaves the other
// calls running unobserved (retry sleeps, new connections) after the request has answered, even after the
// service has stopped; here every call has ended before the result or the first failure is returned.

export async function allCalls<T extends readonly unknown[]>(calls: { readonly [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(calls);
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
