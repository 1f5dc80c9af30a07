/**
 * The same async iterator, counted while open: `open()` when wrapped, `close()` exactly once when it ends
 * however it ends (completed, failed, returned by the consumer or by graphql-ws on complete or disconnect).
 * A hand-written iterator rather than an async generator: a generator returned before its first next()
 * would skip its finally, and would not return the source.
 */
export function countedWhileOpen<T>(source: AsyncIterable<T>, counter: { open(): void; close(): void }): AsyncIterableIterator<T> & { return(): Promise<IteratorResult<T>>; throw(e?: unknown): Promise<IteratorResult<T>> } {
  const it = source[Symbol.asyncIterator]();
  let open = true;
  counter.open();
  const close = () => {
    if (open) {
      open = false;
      counter.close();
    }
  };
  return {
    async next() {
      try {
        const r = await it.next();
        if (r.done) close();
        return r;
      } catch (err) {
        close();
        throw err;
      }
    },
    async return(value?: unknown) {
      close();
      return it.return ? it.return(value) : { done: true, value: value as T };
    },
    async throw(err?: unknown) {
      close();
      if (it.throw) return it.throw(err);
      throw err;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
