import { ConflictsChangedDocument } from '../generated/graphql';
import { emailOf, newTenant } from '../support/connect-flow';
import { useEmulatedService } from '../support/emulated-service';
import { declaredTypes, sample } from '../support/prometheus';
import { subscribe, wsClient } from '../support/ws-client';

// GET /metrics as Prometheus scrapes it, on the real service with the provider emulators: provider
// requests and throttles counted from the drivers' own transports, subscriptions counted while open,
// forged webhook notifications counted.

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

describe('GET /metrics', () => {
  const s = useEmulatedService({ env: { METRICS_TOKEN } });
  const base = () => s.t.url.replace(/\/graphql$/, '');

  const scrape = async (): Promise<string> => {
    const res = await fetch(`${base()}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    return res.text();
  };
  /** Polls the metrics until `predicate` holds (graphql-ws does not acknowledge a subscription). */
  const scrapeUntil = async (predicate: (text: string) => boolean): Promise<string> => {
    for (;;) {
      const text = await scrape();
      if (predicate(text)) return text;
      await new Promise((resolve) => setImmediate(resolve));
    }
  };

  test('answers the Prometheus text format with every named metric and the process metrics, only to the token', async () => {
    const res = await fetch(`${base()}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
    const types = declaredTypes(await res.text());
    expect(types).toMatchObject({
      calbridge_sync_lag_seconds: 'histogram',
      calbridge_job_queue_depth: 'gauge',
      calbridge_syncs_total: 'counter',
      calbridge_provider_requests_total: 'counter',
      calbridge_provider_throttles_total: 'counter',
      calbridge_active_subscriptions: 'gauge',
      calbridge_webhook_notifications_total: 'counter',
      process_resident_memory_bytes: 'gauge',
      nodejs_eventloop_lag_seconds: 'gauge',
    });

    for (const authorization of [undefined, 'Bearer wrong-token', `Basic ${METRICS_TOKEN}`, `Bearer ${METRICS_TOKEN}x`]) {
      const refused = await fetch(`${base()}/metrics`, { headers: authorization ? { authorization } : {} });
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      expect(await refused.text()).not.toMatch(/calbridge_/);
    }
  });

  test('every HTTP exchange with Google is counted by status, as the emulator saw them', async () => {
    const w = await newTenant(s.ds());
    const email = await emailOf(s.ds(), w.userA);
    s.emu.google.addAccount({ email });
    const authorizePath = new URL(s.emu.google.authUrl).pathname;
    const before = await scrape();
    s.emu.google.requestLog.clear();
    await s.flow.connected(w.userA, w.locA, 'GOOGLE', email);
    const served = s.emu.google.requestLog.entries.filter((e) => e.path !== authorizePath);
    expect(served.length).toBeGreaterThan(0);
    const after = await scrape();
    const counted = (text: string) => sample(text, 'calbridge_provider_requests_total', { provider: 'google', status: '200' });
    expect(counted(after) - counted(before)).toBe(served.filter((e) => e.status === 200).length);
  });

  test.each([
    ['GOOGLE', '403'],
    ['OUTLOOK', '429'],
  ] as const)('%s throttling with a long Retry-After: the caller gets it after one request (no worker sleeps on it), counted as a throttle', async (provider, status) => {
    const w = await newTenant(s.ds());
    const email = await emailOf(s.ds(), w.userA);
    if (provider === 'GOOGLE') {
      s.emu.google.addAccount({ email });
      s.emu.google.faults.add({ fault: { type: 'rateLimit', status: 403, reason: 'userRateLimitExceeded', retryAfterSec: 8 }, route: '/calendarList', account: email });
    } else {
      const account = s.emu.microsoft.addAccount({ email });
      s.emu.microsoft.addFault({ kind: 'throttle', retryAfterSeconds: 8, account: account.id, route: 'GET /v1.0/me/calendars', times: 1 });
    }
    const label = provider.toLowerCase();
    const before = await scrape();
    const started = Date.now();
    const result = await s.flow.connect(w.userA, w.locA, provider, email);
    // 8 s is past the drivers' 5 s in-call budget: surfaced at once, not slept on
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result.errors?.[0]?.extensions).toEqual({ code: 'PROVIDER_UNAVAILABLE', retryAfterSeconds: 8 });
    const after = await scrape();
    expect(sample(after, 'calbridge_provider_requests_total', { provider: label, status }) - sample(before, 'calbridge_provider_requests_total', { provider: label, status })).toBe(1);
    expect(sample(after, 'calbridge_provider_throttles_total', { provider: label }) - sample(before, 'calbridge_provider_throttles_total', { provider: label })).toBe(1);
  });

  test('a subscription shows in the gauge while open and leaves it on complete or disconnect; a refused one never counts', async () => {
    const w = await newTenant(s.ds());
    const gauge = (text: string) => sample(text, 'calbridge_active_subscriptions');
    expect(gauge(await scrape())).toBe(0);

    const client = wsClient(s.t.wsUrl, s.t.tokenFor(w.userA));
    const first = subscribe(client, ConflictsChangedDocument, { locationId: w.locA });
    const second = subscribe(client, ConflictsChangedDocument, { locationId: w.locA, userId: w.userA });
    await scrapeUntil((text) => gauge(text) === 2);

    first.dispose(); // the client completes it
    await scrapeUntil((text) => gauge(text) === 1);

    const refused = subscribe(client, ConflictsChangedDocument, { locationId: w.locB });
    expect((await refused.next()).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(gauge(await scrape())).toBe(1);

    await client.dispose(); // the socket closes with the second still open
    await scrapeUntil((text) => gauge(text) === 0);
    second.dispose();
  });

  test('forged and unknown-channel notifications are acknowledged and counted; an oversized batch is refused and counted', async () => {
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${base()}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const count = (text: string, provider: string, result: string) => sample(text, 'calbridge_webhook_notifications_total', { provider, result });
    const before = await scrape();

    const forged = { value: [1, 2, 3].map((i) => ({ subscriptionId: `unknown-${i}`, clientState: 'a-guess', changeType: 'updated', resource: 'me/events/x' })) };
    expect((await post('/webhooks/outlook', forged)).status).toBe(202);
    const google = await post('/webhooks/google', {}, { 'x-goog-channel-id': 'unknown', 'x-goog-channel-token': 'guess', 'x-goog-resource-state': 'exists', 'x-goog-resource-id': 'r' });
    expect(google.status).toBe(202);
    expect((await post('/webhooks/outlook', { value: Array.from({ length: 1001 }, () => ({ subscriptionId: 's', clientState: 'x' })) })).status).toBe(400);

    const after = await scrape();
    expect(count(after, 'outlook', 'rejected') - count(before, 'outlook', 'rejected')).toBe(3);
    expect(count(after, 'google', 'rejected') - count(before, 'google', 'rejected')).toBe(1);
    expect(count(after, 'outlook', 'refused') - count(before, 'outlook', 'refused')).toBe(1);
    expect(count(after, 'outlook', 'accepted') + count(after, 'google', 'accepted')).toBe(count(before, 'outlook', 'accepted') + count(before, 'google', 'accepted'));
  });
});
