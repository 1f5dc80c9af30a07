import { createSourceEventStream, DocumentNode, execute, ExecutionArgs, ExecutionResult } from 'graphql';
import { PushStream } from './push-stream';

// Events whose rendering does not depend on who receives them (conflictsChanged: ids and times only). An instance
// renders such an event once per operation (document, operation name and variables), however many subscribers it
// has; every other event is rendered for each subscriber, with their viewer.
const shared = new WeakSet<object>();
const renders = new WeakMap<object, Map<string, ExecutionResult | Promise<ExecutionResult>>>();
const documentIds = new WeakMap<DocumentNode, number>();
const operationKeys = new WeakMap<ExecutionArgs, string>();
let nextDocumentId = 1;

/** Marks an event (the very object every subscriber of this instance receives) as rendered once per operation. */
export function renderOnce<T extends object>(event: T): T {
  shared.add(event);
  return event;
}

// Operations share a render only when they share the parsed document (the socket's operation cache hands out one).
function operationKey(args: ExecutionArgs): string {
  let key = operationKeys.get(args);
  if (key !== undefined) return key;
  let id = documentIds.get(args.document);
  if (id === undefined) documentIds.set(args.document, (id = nextDocumentId++));
  key = `${id}\u0000${args.operationName ?? ''}\u0000${JSON.stringify(args.variableValues ?? {})}`;
  operationKeys.set(args, key);
  return key;
}

/** The result of one event for one operation: once for a shared event, per call otherwise. */
export function renderEvent(args: ExecutionArgs, event: unknown): ExecutionResult | Promise<ExecutionResult> {
  const run = () => execute({ ...args, rootValue: event });
  if (typeof event !== 'object' || event === null || !shared.has(event)) return run();
  let byOperation = renders.get(event);
  if (!byOperation) renders.set(event, (byOperation = new Map()));
  const key = operationKey(args);
  let result = byOperation.get(key);
  if (!result) byOperation.set(key, (result = run()));
  return result;
}

/**
 * graphql-ws's `subscribe`: graphql-js's own (the source stream from the field's `subscribe`, then each event executed
 * against the operation), except that each event goes through `renderEvent`.
 */
export async function subscribeRenderingOnce(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const source = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in source)) return source;
  const render = (event: unknown) => renderEvent(args, event);
  // The hub's streams render inside (one suspended frame less per subscription); any other stream is wrapped.
  return source instanceof PushStream ? source.renderWith(render) : mapEvents(source, render);
}

/** Each item of `source` mapped, ending (or failing) with it; return() and throw() reach it. */
export function mapEvents<T, R>(source: AsyncIterable<T>, map: (item: T) => R | Promise<R>): AsyncIterableIterator<R> {
  const it = source[Symbol.asyncIterator]();
  return {
    async next() {
      const r = await it.next();
      return r.done ? { done: true, value: undefined } : { done: false, value: await map(r.value) };
    },
    async return() {
      await it.return?.();
      return { done: true, value: undefined };
    },
    async throw(err?: unknown) {
      if (it.throw) await it.throw(err);
      throw err;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
