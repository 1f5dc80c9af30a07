import { execute, ExecutionArgs, ExecutionResult } from 'graphql';
import { SetupGate } from './setup-gate';
import { subscribeRenderingOnce } from './shared-render';

/** Operations of the socket server set up at once (a few times the database pool: it stays busy, memory stays flat). */
export const SOCKET_SETUP_CONCURRENCY = 32;

/**
 * graphql-ws's `context`, `subscribe` and `execute`, with the setup of each operation (its context built, then its
 * subscription authorized and opened, or its query started) under one SetupGate. The gate is entered when the context
 * is built and left once the subscription is open (or refused), or as a query or mutation starts.
 */
export function gatedOperationSetup<A extends unknown[], C extends object>(build: (...args: A) => Promise<C>, gate = new SetupGate(SOCKET_SETUP_CONCURRENCY)) {
  const setups = new WeakMap<object, () => void>();
  const setUp = (args: ExecutionArgs) => {
    const leave = setups.get(args.contextValue as object);
    setups.delete(args.contextValue as object);
    leave?.();
  };
  return {
    gate,
    context: async (...args: A): Promise<C> => {
      const leave = await gate.enter();
      try {
        const context = await build(...args);
        setups.set(context, leave);
        return context;
      } catch (err) {
        leave();
        throw err;
      }
    },
    subscribe: async (args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> => {
      try {
        return await subscribeRenderingOnce(args);
      } finally {
        setUp(args);
      }
    },
    execute: (args: ExecutionArgs) => {
      setUp(args);
      return execute(args);
    },
  };
}
