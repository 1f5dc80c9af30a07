import { buildSchema, GraphQLError, parse } from 'graphql';
import { OperationCache, MAX_CACHED_QUERY_LENGTH } from '../../src/realtime/operation-cache';
import { MAX_WAITING_EVENTS, PushStream, TOO_MANY_WAITING } from '../../src/realtime/push-stream';
import { SetupGate } from '../../src/realtime/setup-gate';
import { renderEvent, renderOnce } from '../../src/realtime/shared-render';
import { SubscriptionRegistry } from '../../src/realtime/subscription-registry';

// The pieces the subscription fan-out is built of, each on its own.

describe('SubscriptionRegistry', () => {
  test('says when a key gets its first subscription and when it loses its last', () => {
    const r = new SubscriptionRegistry<string>();
    expect(r.add('conflicts:a', 's1')).toBe(true);
    expect(r.add('conflicts:a', 's2')).toBe(false);
    expect(r.add('syncStatus:a', 's3')).toBe(true);
    expect(r.keys).toBe(2);
    expect(r.remove('conflicts:a', 's1')).toBe(false);
    expect(r.remove('conflicts:a', 's1')).toBe(false); // twice: nothing more
    expect(r.remove('conflicts:b', 's2')).toBe(false); // not that key's
    expect(r.remove('conflicts:a', 's2')).toBe(true);
    expect(r.keys).toBe(1);
    expect(r.snapshot('conflicts:a')).toEqual([]);
  });

  test('a snapshot stays as it was while subscriptions come and go', () => {
    const r = new SubscriptionRegistry<string>();
    r.add('k', 'a');
    r.add('k', 'b');
    const snap = r.snapshot('k');
    r.remove('k', 'a');
    r.add('k', 'c');
    expect(snap).toEqual(['a', 'b']);
    expect(r.snapshot('k')).toEqual(['b', 'c']);
    expect(r.count('k')).toBe(2);
  });
});

describe('PushStream', () => {
  const stream = (limit?: number) => {
    const released: number[] = [];
    const s = new PushStream<number, string>((n) => `#${n}`, () => released.push(1), limit);
    return { s, released };
  };

  test('hands out pushed items in order, whether the consumer waits or comes later', async () => {
    const { s } = stream();
    const first = s.next();
    s.push(1);
    s.push(2);
    s.push(3);
    expect(await first).toEqual({ done: false, value: '#1' });
    expect(await s.next()).toEqual({ done: false, value: '#2' });
    expect(await s.next()).toEqual({ done: false, value: '#3' });
  });

  test('return() ends it once: the waiting read is done, later pushes are ignored, release runs once', async () => {
    const { s, released } = stream();
    const waiting = s.next();
    await s.return();
    await s.return();
    s.push(4);
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(await s.next()).toEqual({ done: true, value: undefined });
    expect(s.closed).toBe(true);
    expect(released).toHaveLength(1);
  });

  test('a consumer that falls too far behind gets an error instead of an ever longer queue', async () => {
    const { s, released } = stream(3);
    for (let i = 0; i < 4; i++) s.push(i);
    await expect(s.next()).rejects.toThrow(TOO_MANY_WAITING);
    expect(await s.next()).toEqual({ done: true, value: undefined });
    expect(released).toHaveLength(1);
    expect(MAX_WAITING_EVENTS).toBeGreaterThanOrEqual(100);
  });

  test('renderWith maps what the consumer gets (awaited); a step that throws fails that read only', async () => {
    const { s } = stream();
    const rendered = s.renderWith(async (v) => `${v} rendered`);
    s.push(5);
    expect(await rendered.next()).toEqual({ done: false, value: '#5 rendered' });
    const failing = new PushStream<number, number>((n) => n, () => undefined).renderWith((n) => {
      if (n === 1) throw new Error('render failed');
      return n * 10;
    });
    failing.push(1);
    failing.push(2);
    await expect(failing.next()).rejects.toThrow('render failed');
    expect(await failing.next()).toEqual({ done: false, value: 20 });
  });
});

describe('OperationCache', () => {
  const checked = (calls: string[]) => (query: string) => {
    calls.push(query);
    return query.startsWith('bad') ? { errors: [new GraphQLError('bad')] } : { document: parse(query) };
  };

  test('checks each text once and hands out the same document to every operation that sends it', () => {
    const calls: string[] = [];
    const cache = new OperationCache(checked(calls));
    const a = cache.get('{ a }');
    const b = cache.get('{ a }');
    expect(a.document).toBeDefined();
    expect(b.document).toBe(a.document);
    expect(cache.get('bad {').errors?.[0].message).toBe('bad');
    cache.get('bad {');
    expect(calls).toEqual(['{ a }', 'bad {']);
  });

  test('keeps at most `capacity` texts, the least recently used leaving first; long texts are not kept', () => {
    const calls: string[] = [];
    const cache = new OperationCache(checked(calls), 2);
    cache.get('{ a }');
    cache.get('{ b }');
    cache.get('{ a }'); // a used last: b leaves next
    cache.get('{ c }');
    expect(cache.size).toBe(2);
    cache.get('{ a }');
    cache.get('{ b }');
    expect(calls).toEqual(['{ a }', '{ b }', '{ c }', '{ b }']);
    const long = `{ a ${' '.repeat(MAX_CACHED_QUERY_LENGTH)}}`;
    cache.get(long);
    cache.get(long);
    expect(calls.filter((q) => q === long)).toHaveLength(2);
  });
});

describe('SetupGate', () => {
  test('runs at most `limit` at once, the others in arrival order; leaving twice frees one slot only', async () => {
    const gate = new SetupGate(2);
    const order: string[] = [];
    const a = await gate.enter();
    const b = await gate.enter();
    const c = gate.enter().then((leave) => (order.push('c'), leave));
    const d = gate.enter().then((leave) => (order.push('d'), leave));
    expect(gate.load).toEqual({ active: 2, waiting: 2 });
    a();
    a();
    const leaveC = await c;
    expect(order).toEqual(['c']);
    expect(gate.load).toEqual({ active: 2, waiting: 1 });
    b();
    (await d)();
    leaveC();
    expect(order).toEqual(['c', 'd']);
    expect(gate.load).toEqual({ active: 0, waiting: 0 });
  });
});

describe('renderEvent', () => {
  let resolved = 0;
  const schema = buildSchema(`type Query { x: Int } type Subscription { changed: Changed } type Changed { from: String to: String }`);
  const root = { changed: (event: { from: string; to: string }) => (resolved++, event) };
  const args = (query: string, variableValues: Record<string, unknown> = {}) => ({ schema, document: parse(query), rootValue: undefined, variableValues, fieldResolver: (src: unknown, _a: unknown, _c: unknown, info: { fieldName: string }) => (info.fieldName === 'changed' ? root.changed(src as never) : (src as Record<string, unknown>)[info.fieldName]) });

  test('an event marked shared is rendered once per operation; any other once per subscriber', () => {
    const op = args('subscription { changed { from to } }');
    const other = args('subscription { changed { from } }');
    const shared = renderOnce({ from: 'a', to: 'b' });
    resolved = 0;
    const first = renderEvent(op, shared);
    expect(renderEvent(op, shared)).toBe(first);
    expect(renderEvent({ ...op, contextValue: { someone: 'else' } }, shared)).toBe(first);
    expect(renderEvent(other, shared)).not.toBe(first);
    expect(renderEvent({ ...op, variableValues: { v: 1 } }, shared)).not.toBe(first);
    expect(resolved).toBe(3);
    expect(first).toEqual({ data: { changed: { from: 'a', to: 'b' } } });

    const own = { from: 'c', to: 'd' };
    resolved = 0;
    renderEvent(op, own);
    renderEvent(op, own);
    expect(resolved).toBe(2);
  });
});
