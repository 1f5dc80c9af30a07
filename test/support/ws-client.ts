import { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { ConflictsPayload } from '../../src/realtime/pubsub';
import { GqlResult, TestApp } from './test-app';

/** A graphql-ws client as a real browser/app would use it, with the token in connectionParams. */
export function wsClient(url: string, token?: string): Client {
  return createClient({ url, webSocketImpl: WebSocket, connectionParams: token ? { authorization: `Bearer ${token}` } : {}, retryAttempts: 0, lazy: true });
}

/** Subscribes and collects results; `next()` resolves with the next event or error, in order. */
export function subscribe<R, V>(client: Client, doc: TypedDocumentNode<R, V>, variables: V) {
  const queue: Array<GqlResult<R>> = [];
  const waiters: Array<(r: GqlResult<R>) => void> = [];
  const push = (r: GqlResult<R>) => {
    const w = waiters.shift();
    if (w) w(r);
    else queue.push(r);
  };
  const dispose = client.subscribe<R>(
    { query: print(doc), variables: variables as Record<string, unknown> },
    {
      next: (r) => push(r as GqlResult<R>),
      error: (e) => push({ errors: Array.isArray(e) ? e : [{ message: String((e as Error)?.message ?? e) }] } as GqlResult<R>),
      complete: () => {},
    },
  );
  return {
    next: () => new Promise<GqlResult<R>>((resolve) => (queue.length ? resolve(queue.shift()!) : waiters.push(resolve))),
    dispose,
  };
}

/**
 * graphql-ws does not acknowledge a subscription, so it is live once it has delivered something:
 * repeats a real action that publishes (each one awaited, no timers) until the first event arrives,
 * and returns that event. No action is left running when it returns.
 */
export async function untilLive<R>(sub: { next(): Promise<GqlResult<R>> }, publish: () => Promise<unknown>): Promise<GqlResult<R>> {
  const state: { first: GqlResult<R> | null } = { first: null };
  const arrived = sub.next().then((e) => (state.first = e));
  while (!state.first) {
    const published = publish();
    await Promise.race([published, arrived]);
    await published;
  }
  return state.first;
}

/** The next event (or error) matching `predicate`, skipping the others in order of arrival. */
export async function nextWhere<R>(sub: { next(): Promise<GqlResult<R>> }, predicate: (e: GqlResult<R>) => boolean): Promise<GqlResult<R>> {
  for (;;) {
    const e = await sub.next();
    if (e.errors || predicate(e)) return e;
  }
}

/**
 * Publishes a conflictsChanged event on the app's bus (an action for untilLive when no real change is at hand),
 * then lets the event loop run so the socket can deliver it.
 */
export async function primeConflicts(t: TestApp, locationId: string, payload: ConflictsPayload): Promise<void> {
  t.app.services.pubsub.publish('conflicts', locationId, payload);
  await new Promise((resolve) => setImmediate(resolve));
}

/** Resolves with the close code and reason when the client's socket closes (register before it connects). */
export function closeOf(client: Client): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) =>
    client.on('closed', (event) => {
      const e = event as { code: number; reason: unknown };
      resolve({ code: e.code, reason: String(e.reason) });
    }),
  );
}
