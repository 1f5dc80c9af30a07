import { ConflictsChangedDocument, ViewerDocument } from '../generated/graphql';
import { buildWorld, World } from '../support/fixtures';
import { codeOf, startTestApp, TestApp } from '../support/test-app';
import { subscribe, wsClient } from '../support/ws-client';

// The real server on port 0, spoken to over HTTP and graphql-ws like a client would.
describe('server end to end', () => {
  let t: TestApp;
  let w: World;

  beforeAll(async () => {
    t = await startTestApp();
    w = await buildWorld(t.app.ds);
  });
  afterAll(() => t.stop());

  it('answers health and readiness', async () => {
    const base = t.url.replace('/graphql', '');
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ status: 'ready' });
  });

  it('serves viewer over HTTP with a bearer token and refuses a missing or forged one', async () => {
    const ok = await t.gql(ViewerDocument, {}, t.tokenFor(w.accountUserA));
    expect(ok.data?.viewer.id).toBe(w.accountUserA);
    expect(ok.data?.viewer.locations.map((l) => l.id)).toEqual([w.locA]);
    expect(codeOf(await t.gql(ViewerDocument, {}, null))).toBe('UNAUTHENTICATED');
    expect(codeOf(await t.gql(ViewerDocument, {}, t.tokenFor(w.accountUserA).slice(0, -2) + 'xx'))).toBe('UNAUTHENTICATED');
  });

  it("echoes Graph's validation token as plain text that a browser may not sniff into HTML", async () => {
    const base = t.url.replace('/graphql', '');
    const res = await fetch(`${base}/webhooks/outlook?validationToken=${encodeURIComponent('<script>alert(1)</script>')}`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toBe('<script>alert(1)</script>');
  });

  it('serves the Apollo Sandbox landing page to browsers', async () => {
    const res = await fetch(t.url, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/sandbox/i);
  });

  it('accepts a subscription to a visible location over graphql-ws and delivers its events', async () => {
    const client = wsClient(t.wsUrl, t.tokenFor(w.accountUserA));
    const sub = subscribe(client, ConflictsChangedDocument, { locationId: w.locA });
    const from = new Date('2026-12-01T09:00:00Z');
    const to = new Date('2026-12-01T10:00:00Z');
    // Publish until the subscription is live (graphql-ws has no per-subscription acknowledgement).
    const publish = setInterval(() => {
      void t.app.services.pubsub.publish('conflicts', w.locA, { locationId: w.locA, userId: w.accountUserA, from: from.toISOString(), to: to.toISOString() });
    }, 20);
    try {
      const event = await sub.next();
      expect(event.errors).toBeUndefined();
      expect(event.data?.conflictsChanged).toEqual({ userId: w.accountUserA, locationId: w.locA, from: from.toISOString(), to: to.toISOString() });
    } finally {
      clearInterval(publish);
      sub.dispose();
      await client.dispose();
    }
  });

  it('refuses a subscription to a location of another agency or without a token', async () => {
    const client = wsClient(t.wsUrl, t.tokenFor(w.accountUserA));
    const foreign = subscribe(client, ConflictsChangedDocument, { locationId: w.otherLoc });
    expect(codeOf(await foreign.next())).toBe('NOT_FOUND');
    const sibling = subscribe(client, ConflictsChangedDocument, { locationId: w.locB });
    expect(codeOf(await sibling.next())).toBe('NOT_FOUND');
    await client.dispose();

    const anonymous = wsClient(t.wsUrl);
    const denied = subscribe(anonymous, ConflictsChangedDocument, { locationId: w.locA });
    expect(codeOf(await denied.next())).toBe('UNAUTHENTICATED');
    await anonymous.dispose();
  });
});
