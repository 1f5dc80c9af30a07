import { createHash, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Server } from 'node:http';
import { PushSecretHash1763900000001 } from '../../migrations/1763900000001-push-secret-hash';
import { MAX_PUSH_NOTIFICATIONS } from '../../src/providers/shared/push-request';
import { mountWebhookRoutes } from '../../src/sync/webhook.routes';
import { UpdateCalendarConfigurationDocument } from '../generated/graphql';
import { ConnectFlow, Emulators, newTenant, startEmulators, uniqueEmail } from '../support/connect-flow';
import { eventually } from '../support/eventually';
import { startTestApp, TestApp } from '../support/test-app';

// Provider push endpoints do bounded work whoever calls them: one database query per request however
// many channels it names, at most 1,000 notifications, the 1 MB body limit; channel secrets are stored
// only as hashes, and genuine notifications from the emulators still verify.

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('push webhooks', () => {
  let t: TestApp;
  let emu: Emulators;
  let flow: ConnectFlow;
  // PUBLIC_URL points the providers here: the production routes, on the app's own services, with the
  // verified notices recorded (the app itself only acknowledges them until sync consumes them).
  let receiver: Server;
  const notices: Array<{ channelId: string; kind: string }> = [];
  // Channels whose notices fail to be handled (their handling throws after the webhook answered).
  const failing = new Set<string>();
  const ds = () => t.app.ds;

  beforeAll(async () => {
    emu = await startEmulators();
    const app = express();
    receiver = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    t = await startTestApp({ ...emu.env, PUBLIC_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}` });
    mountWebhookRoutes(app, { providers: t.app.services.providers, push: t.app.services.push, onNotice: async (channelId, kind) => {
        if (failing.has(channelId)) throw new Error(`handling ${channelId} failed`);
        notices.push({ channelId, kind });
      },
    });
    flow = new ConnectFlow(t, emu);
  });
  afterAll(async () => {
    await t?.stop();
    await new Promise((resolve) => receiver?.close(resolve));
    await emu?.close();
  });

  const base = () => t.url.replace(/\/graphql$/, '');
  const postJson = (path: string, body: unknown, url = base()) =>
    fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const graphBatch = (n: number, id: (i: number) => string = () => randomUUID()) =>
    ({ value: Array.from({ length: n }, (_, i) => ({ subscriptionId: id(i), clientState: 'a-guess', changeType: 'updated', resource: 'me/events/x' })) });
  const receiverUrl = () => `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  async function wholeDatabase(): Promise<string> {
    const tables: Array<{ table_name: string }> = await ds().query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`);
    const parts = await Promise.all(tables.map(async ({ table_name }) => (await ds().query(`SELECT coalesce(string_agg(x::text, E'\\n'), '') AS t FROM "${table_name}" x`))[0].t as string));
    return parts.join('\n');
  }

  describe('bounded work', () => {
    test(`more than ${MAX_PUSH_NOTIFICATIONS} notifications in one POST → 400 before any query; the 950 KB, 19,000-id request included`, async () => {
      t.sql.reset();
      const over = await postJson('/webhooks/outlook', graphBatch(MAX_PUSH_NOTIFICATIONS + 1));
      expect(over.status).toBe(400);
      expect(await over.text()).toMatch(/more than 1000 notifications/);

      const attack = JSON.stringify({ value: Array.from({ length: 19_000 }, (_, i) => ({ subscriptionId: `s${i}`, clientState: 'x' })) });
      expect(attack.length).toBeGreaterThan(700_000);
      expect(attack.length).toBeLessThan(1_000_000);
      expect((await postJson('/webhooks/outlook', attack)).status).toBe(400);
      expect((await postJson('/webhooks/outlook/lifecycle', attack)).status).toBe(400);
      expect(t.sql.count).toBe(0);
    });

    test(`${MAX_PUSH_NOTIFICATIONS} unknown subscription ids cost one query (and are acknowledged)`, async () => {
      t.sql.reset();
      const res = await postJson('/webhooks/outlook', graphBatch(MAX_PUSH_NOTIFICATIONS));
      expect(res.status).toBe(202);
      expect(t.sql.count).toBe(1);

      // The same id many times, or a Google notification for an unknown channel: one query each.
      t.sql.reset();
      expect((await postJson('/webhooks/outlook', graphBatch(500, () => 'same-id'))).status).toBe(202);
      const google = await fetch(`${base()}/webhooks/google`, {
        method: 'POST',
        headers: { 'x-goog-channel-id': randomUUID(), 'x-goog-channel-token': 'guess', 'x-goog-resource-state': 'exists' },
      });
      expect(google.status).toBe(202);
      expect(t.sql.count).toBe(2);
    });

    test('the 1 MB body limit stays', async () => {
      t.sql.reset();
      const big = JSON.stringify({ value: [{ subscriptionId: 'x', clientState: 'y'.repeat(1_100_000) }] });
      expect((await postJson('/webhooks/outlook', big)).status).toBe(413);
      expect(t.sql.count).toBe(0);
    });

    test('the Graph validation handshake is still echoed', async () => {
      const res = await fetch(`${base()}/webhooks/outlook?validationToken=${encodeURIComponent('Validation: abc')}`, { method: 'POST' });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('Validation: abc');
    });
  });

  describe('malformed requests → 400, counted as refused', () => {
    test.each<[string, string, RequestInit]>([
      ['Outlook: a body that is not JSON', '/webhooks/outlook', { headers: { 'content-type': 'application/json' }, body: '{"value": [' }],
      ['Outlook: JSON without a value array', '/webhooks/outlook', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ subscriptionId: 'x', clientState: 'y' }) }],
      ['Outlook: an array instead of the batch object', '/webhooks/outlook', { headers: { 'content-type': 'application/json' }, body: '[1, 2]' }],
      ['Outlook lifecycle: no body at all', '/webhooks/outlook/lifecycle', {}],
      ['Outlook: not JSON at all (text/plain)', '/webhooks/outlook', { headers: { 'content-type': 'text/plain' }, body: 'hello' }],
      ['Google: no channel id', '/webhooks/google', { headers: { 'x-goog-resource-state': 'exists', 'x-goog-channel-token': 't' } }],
      ['Google: no resource state', '/webhooks/google', { headers: { 'x-goog-channel-id': 'c', 'x-goog-channel-token': 't' } }],
    ])('%s', async (_case, path, init) => {
      t.sql.reset();
      const res = await fetch(`${base()}${path}`, { method: 'POST', ...init });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await res.text()).not.toMatch(/<html|at JSON\.parse|node_modules/i);
      // Refused before any lookup.
      expect(t.sql.count).toBe(0);
    });
  });

  describe('secrets at rest and genuine notifications', () => {
    test('Outlook: the clientState is stored only as its hash, and the emulator’s notifications still verify', async () => {
      const w = await newTenant(ds());
      const me = emu.microsoft.addAccount({ email: uniqueEmail('push', 'contoso-push.test') });
      const conn = await flow.connected(w.userA, w.locA, 'OUTLOOK', me.userPrincipalName);
      const [sub] = [...emu.microsoft.state.subscriptions.values()].filter((s) => s.accountId === me.id);
      expect(sub.notificationUrl).toBe(`${receiverUrl()}/webhooks/outlook`);
      const secret = sub.clientState!;
      expect(secret.length).toBeGreaterThan(16);

      const [row] = await ds().query(`SELECT * FROM push_channels WHERE connection_id = $1`, [conn.id]);
      expect(row).not.toHaveProperty('secret');
      expect(row.secret_hash).toBe(sha256(secret));
      expect(await wholeDatabase()).not.toContain(secret);

      // A change in the mailbox: the emulator notifies, the notice verifies against the hash.
      const event = emu.microsoft.state.createEvent(me.defaultCalendarId, {
        subject: 'moved in Outlook',
        start: { dateTime: '2030-02-01T10:00:00', timeZone: 'UTC' },
        end: { dateTime: '2030-02-01T11:00:00', timeZone: 'UTC' },
      }).event;
      const delivery = await emu.microsoft.subscriptions.waitForDelivery((d) => d.kind === 'change' && d.subscriptionId === sub.id && JSON.stringify(d.body).includes(event.id));
      expect(delivery.status).toBe(202);
      expect(notices).toContainEqual({ channelId: sub.id, kind: 'changed' });

      // A forged clientState (or the stored hash presented as the secret) is dropped.
      const before = notices.length;
      for (const clientState of ['a-guess', sha256(secret)]) {
        expect((await postJson('/webhooks/outlook', { value: [{ subscriptionId: sub.id, clientState }] }, receiverUrl())).status).toBe(202);
      }
      expect(notices.length).toBe(before);
    });

    test('each notification of a Graph batch is handled on its own: one that fails does not stop the others', async () => {
      const w = await newTenant(ds());
      const me = emu.microsoft.addAccount({ email: uniqueEmail('batch', 'contoso-push.test'), calendars: ['Second'] });
      const conn = await flow.connected(w.userA, w.locA, 'OUTLOOK', me.userPrincipalName);
      const upd = await t.gql(UpdateCalendarConfigurationDocument, { input: { locationId: w.locA, conflictCalendarIds: conn.calendars.map((c) => c.id) } }, t.tokenFor(w.userA));
      expect(upd.errors).toBeUndefined();
      await t.app.whenIdle();
      const subs = [...emu.microsoft.state.subscriptions.values()].filter((s) => s.accountId === me.id);
      expect(subs).toHaveLength(2);
      const [first, second] = subs;
      failing.add(first.id);
      try {
        const before = notices.length;
        const batch = { value: [first, second, first].map((s) => ({ subscriptionId: s.id, clientState: s.clientState, changeType: 'updated', resource: 'me/events/x' })) };
        expect((await postJson('/webhooks/outlook', batch, receiverUrl())).status).toBe(202);
        // The notices are handled after the answer.
        await eventually(() => notices.slice(before), (ns) => ns.length > 0);
        expect(notices.slice(before)).toEqual([{ channelId: second.id, kind: 'changed' }]);
      } finally {
        failing.clear();
      }
    });

    test('Google: the channel token is stored only as its hash, and the emulator’s notifications still verify', async () => {
      const w = await newTenant(ds());
      const me = emu.google.addAccount({ email: uniqueEmail('push', 'gmail.test') });
      const conn = await flow.connected(w.userA, w.locA, 'GOOGLE', me.email);
      const [channel] = [...emu.google.push.channels.values()].filter((c) => c.sub === me.sub && !c.stopped);
      const secret = channel.token!;
      const [row] = await ds().query(`SELECT channel_id, secret_hash FROM push_channels WHERE connection_id = $1`, [conn.id]);
      expect(row).toEqual({ channel_id: channel.id, secret_hash: sha256(secret) });
      expect(await wholeDatabase()).not.toContain(secret);

      emu.google.state.insertEvent(me.email, { summary: 'moved in Google', start: { dateTime: '2030-02-01T10:00:00Z' }, end: { dateTime: '2030-02-01T11:00:00Z' } });
      await emu.google.push.idle();
      expect(notices).toContainEqual({ channelId: channel.id, kind: 'changed' });

      const before = notices.length;
      const forged = await fetch(`${receiverUrl()}/webhooks/google`, {
        method: 'POST',
        headers: { 'x-goog-channel-id': channel.id, 'x-goog-channel-token': sha256(secret), 'x-goog-resource-state': 'exists' },
      });
      expect(forged.status).toBe(202);
      expect(notices.length).toBe(before);
    });

    test('the migration hashes the plaintext secrets of existing channels, which keep verifying', async () => {
      const w = await newTenant(ds());
      const me = emu.microsoft.addAccount({ email: uniqueEmail('legacy', 'contoso-push.test') });
      const conn = await flow.connected(w.userA, w.locA, 'OUTLOOK', me.userPrincipalName);
      const [cal] = await ds().query(`SELECT id FROM provider_calendars WHERE connection_id = $1 AND is_default`, [conn.id]);
      // Back to the previous schema, with a channel as the previous release stored it.
      const migration = new PushSecretHash1763900000001();
      const q = ds().createQueryRunner();
      try {
        await migration.down(q);
        await q.query(`INSERT INTO push_channels (connection_id, provider_calendar_id, channel_id, secret, expires_at) VALUES ($1, $2, 'legacy-sub', 'legacy-plain-secret', now() + interval '1 day')`, [conn.id, cal.id]);
        await migration.up(q);
      } finally {
        await q.release();
      }
      const [row] = await ds().query(`SELECT * FROM push_channels WHERE channel_id = 'legacy-sub'`);
      expect(row.secret_hash).toBe(sha256('legacy-plain-secret'));
      expect(JSON.stringify(row)).not.toContain('legacy-plain-secret');

      const before = notices.length;
      expect((await postJson('/webhooks/outlook', { value: [{ subscriptionId: 'legacy-sub', clientState: 'legacy-plain-secret' }] }, receiverUrl())).status).toBe(202);
      expect(notices.slice(before)).toEqual([{ channelId: 'legacy-sub', kind: 'changed' }]);
    });
  });
});
