/**
 * Resolves with `probe`'s value once `done` holds for it, asking again every few milliseconds (work that runs after
 * a webhook has answered, or in another process, has no event to wait for). Fails after `timeoutMs` with the last value.
 */
export async function eventually<T>(probe: () => Promise<T> | T, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
