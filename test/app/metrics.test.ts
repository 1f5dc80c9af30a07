import { Metrics } from '../../src/app/metrics/metrics';
import { declaredTypes, sample } from '../support/prometheus';

// The metrics module on its own: what each helper records, and that apps in one process do not collide.

describe('Metrics', () => {
  test('two apps in one process keep separate counts and both render the process metrics', async () => {
    const a = new Metrics();
    const b = new Metrics();
    a.observeProviderRequest({ provider: 'GOOGLE', status: 200, throttled: false });
    a.observeProviderRequest({ provider: 'GOOGLE', status: 403, throttled: true });
    a.observeProviderRequest({ provider: 'OUTLOOK', status: null, throttled: false });
    const textA = (await a.render()).body;
    const textB = (await b.render()).body;
    expect(sample(textA, 'calbridge_provider_requests_total', { provider: 'google', status: '200' })).toBe(1);
    expect(sample(textA, 'calbridge_provider_requests_total', { provider: 'google', status: '403' })).toBe(1);
    expect(sample(textA, 'calbridge_provider_requests_total', { provider: 'outlook', status: 'none' })).toBe(1);
    expect(sample(textA, 'calbridge_provider_throttles_total', { provider: 'google' })).toBe(1);
    expect(sample(textB, 'calbridge_provider_requests_total', { provider: 'google', status: '200' })).toBe(0);
    for (const text of [textA, textB]) expect(declaredTypes(text)).toMatchObject({ process_cpu_user_seconds_total: 'counter', nodejs_eventloop_lag_seconds: 'gauge' });
  });

  test('sync lag and outcomes', async () => {
    const m = new Metrics();
    const due = new Date('2030-01-01T10:00:00Z');
    m.syncApplied('OUTLOOK', 'incremental', 'push', due, new Date(due.getTime() + 700));
    m.syncApplied('OUTLOOK', 'incremental', 'push', due, new Date(due.getTime() + 3_000));
    m.syncFailed('GOOGLE', 'full', 'throttled');
    const text = (await m.render()).body;
    expect(sample(text, 'calbridge_sync_lag_seconds_count', { provider: 'outlook', trigger: 'push' })).toBe(2);
    expect(sample(text, 'calbridge_sync_lag_seconds_sum', { provider: 'outlook', trigger: 'push' })).toBeCloseTo(3.7);
    expect(sample(text, 'calbridge_sync_lag_seconds_bucket', { provider: 'outlook', trigger: 'push', le: '1' })).toBe(1);
    expect(sample(text, 'calbridge_syncs_total', { provider: 'outlook', kind: 'incremental', outcome: 'ok' })).toBe(2);
    expect(sample(text, 'calbridge_syncs_total', { provider: 'google', kind: 'full', outcome: 'throttled' })).toBe(1);
  });

  test('queue depth is read from the registered sources at scrape time; a failing source does not break the scrape', async () => {
    const m = new Metrics();
    let waiting = 3;
    const unregister = m.registerQueueDepth(async () => ({ 'sync-calendar': waiting, 'push-renew': 0 }));
    m.registerQueueDepth(async () => Promise.reject(new Error('database down')));
    expect(sample((await m.render()).body, 'calbridge_job_queue_depth', { job: 'sync-calendar' })).toBe(3);
    waiting = 5;
    expect(sample((await m.render()).body, 'calbridge_job_queue_depth', { job: 'sync-calendar' })).toBe(5);
    unregister();
    expect((await m.render()).body).not.toMatch(/calbridge_job_queue_depth\{job="sync-calendar"\}/);
  });

  test('a counted subscription leaves the gauge however it ends, the source returned each time', async () => {
    const m = new Metrics();
    const gauge = async () => sample((await m.render()).body, 'calbridge_active_subscriptions');
    let returned = 0;
    async function* events(n: number) {
      try {
        for (let i = 0; i < n; i++) yield i;
      } finally {
        returned++;
      }
    }
    const open = m.countSubscription(events(10))[Symbol.asyncIterator]();
    const done = m.countSubscription(events(1))[Symbol.asyncIterator]();
    const neverStarted = m.countSubscription(events(5))[Symbol.asyncIterator]();
    expect(await gauge()).toBe(3);
    expect(await open.next()).toEqual({ value: 0, done: false });
    await open.return!();
    await done.next();
    await done.next();
    // graphql-ws returns a subscription completed before it started iterating
    await neverStarted.return!();
    await neverStarted.return!();
    expect(await gauge()).toBe(0);
    expect(returned).toBe(2);
  });
});
