import { ExternalEventsDocument, Provider } from '../generated/graphql';
import { newTenant, uniqueEmail } from '../support/connect-flow';
import { useEmulatedService } from '../support/emulated-service';
import { eventually } from '../support/eventually';
import { sample } from '../support/prometheus';
import { googleEvent, hourFromNow, outlookEvent, plusMinutes } from '../support/provider-events';

// Push: a change at the provider reaches externalEvents through its notification (the periodic poll is off in
// this app, so nothing else syncs), a burst of notifications causes one or two syncs, the webhook answers at once
// however slow the provider is, and Graph's lifecycle events renew, re-create or sync. PUBLIC_URL is the app itself
// (over http: the emulators, unlike real Graph, accept it).

describe('push', () => {
  const s = useEmulatedService();

  afterEach(() => {
    s.t.app.services.syncServices.calendarSync.hooks.started = undefined;
  });

  /** A connected account whose default calendar (the conflict calendar) is synced and covered by push. */
  async function connected(provider: Provider) {
    const w = await newTenant(s.ds());
    let login: string;
    let create: (title: string, day: number) => string;
    if (provider === 'OUTLOOK') {
      const a = s.emu.microsoft.addAccount({ email: uniqueEmail('push', 'contoso-push.test') });
      login = a.userPrincipalName;
      create = (title, day) => outlookEvent(s.emu, a.defaultCalendarId, { title, start: hourFromNow(day, 10), end: plusMinutes(hourFromNow(day, 10), 30) });
    } else {
      const a = s.emu.google.addAccount({ email: uniqueEmail('push', 'gmail.test') });
      login = a.email;
      create = (title, day) => googleEvent(s.emu, a.email, { title, start: hourFromNow(day, 10), end: plusMinutes(hourFromNow(day, 10), 30) });
    }
    const conn = await s.flow.connected(w.userA, w.locA, provider, login);
    const calendarId = conn.calendars.find((c) => c.isDefault)!.id;
    const [channel] = await s.ds().query(`SELECT channel_id, expires_at FROM push_channels WHERE provider_calendar_id = $1`, [calendarId]);
    expect(channel).toBeDefined();
    const titles = async () => {
      const r = await s.t.gql(ExternalEventsDocument, { locationId: w.locA, from: hourFromNow(-1, 0).toISOString(), to: hourFromNow(40, 0).toISOString() }, s.t.tokenFor(w.userA));
      expect(r.errors).toBeUndefined();
      return r.data!.externalEvents.map((e) => e.title).sort();
    };
    /** Syncs of the calendar that start from now on. */
    const syncs: number[] = [];
    s.t.app.services.syncServices.calendarSync.hooks.started = (id) => void (id === calendarId && syncs.push(Date.now()));
    return { w, login, create, conn, calendarId, channelId: channel.channel_id as string, titles, syncs };
  }

  const graphSubscription = (channelId: string) => s.emu.microsoft.state.subscriptions.get(channelId)!;

  test.each<Provider>(['OUTLOOK', 'GOOGLE'])('%s: an event created at the provider reaches externalEvents through its notification', async (provider) => {
    const c = await connected(provider);
    expect(await c.titles()).toEqual([]);
    c.create('Booked in the provider', 2);
    expect(await eventually(c.titles, (ts) => ts.length > 0)).toEqual(['Booked in the provider']);
    await s.t.app.whenIdle();
    expect(c.syncs).toHaveLength(1);
    const [state] = await s.ds().query(`SELECT stage, last_incremental_sync_at FROM calendar_sync_states WHERE provider_calendar_id = $1`, [c.calendarId]);
    expect(state.stage).toBe('IDLE');
    expect(state.last_incremental_sync_at).not.toBeNull();
  });

  test.each<Provider>(['OUTLOOK', 'GOOGLE'])('%s: a burst of 50 notifications for one calendar causes one or two syncs, and nothing is lost', async (provider) => {
    const c = await connected(provider);
    const expected: string[] = [];
    for (let i = 0; i < 50; i++) {
      const title = `Burst ${String(i).padStart(2, '0')}`;
      c.create(title, 1 + (i % 30));
      expected.push(title);
    }
    // Every notification was delivered and acknowledged (Graph batches those close together into one POST).
    if (provider === 'OUTLOOK') {
      const notified = () =>
        s.emu.microsoft.subscriptions.deliveries
          .filter((d) => d.kind === 'change' && d.status === 202)
          .flatMap((d) => (d.body as { value: Array<{ subscriptionId: string }> }).value)
          .filter((n) => n.subscriptionId === c.channelId).length;
      await eventually(notified, (n) => n === 50);
    } else {
      await s.emu.google.push.idle();
      const delivered = s.emu.google.push.deliveries.filter((d) => d.channelId === c.channelId && d.state === 'exists');
      expect(delivered).toHaveLength(50);
      expect(delivered.every((d) => d.status === 202)).toBe(true);
    }
    expect(await eventually(c.titles, (ts) => ts.length === 50)).toEqual(expected.sort());
    await s.t.app.whenIdle();
    expect(c.syncs.length).toBeGreaterThanOrEqual(1);
    expect(c.syncs.length).toBeLessThanOrEqual(2);
  });

  test.each<Provider>(['OUTLOOK', 'GOOGLE'])('%s: a notification arriving while the calendar syncs (after its last read) causes a follow-up sync', async (provider) => {
    const c = await connected(provider);
    const hooks = s.t.app.services.syncServices.calendarSync.hooks;
    let held = false;
    hooks.afterPage = async (calendarId) => {
      if (calendarId !== c.calendarId || held) return;
      held = true;
      // The running sync has read everything; the change comes now, and so does its notification.
      c.create('Changed during the sync', 3);
      if (provider === 'OUTLOOK') await s.emu.microsoft.subscriptions.waitForDelivery((d) => d.kind === 'change' && d.subscriptionId === c.channelId && d.status === 202);
      else await eventually(() => s.emu.google.push.deliveries.filter((d) => d.channelId === c.channelId && d.state === 'exists' && d.status === 202), (ds) => ds.length > 0);
      // Until the notice is handled (it runs after the webhook answered): a sync of the calendar is waiting.
      await eventually(
        () => s.ds().query(`SELECT 1 FROM pgboss.job WHERE name = 'calendar-sync' AND singleton_key = $1 AND state = 'created'`, [c.calendarId]),
        (rows: unknown[]) => rows.length > 0,
      );
    };
    try {
      await s.t.app.services.sync.syncCalendars([c.calendarId]);
      await s.t.app.whenIdle();
    } finally {
      hooks.afterPage = undefined;
    }
    expect(held).toBe(true);
    expect(await c.titles()).toEqual(['Changed during the sync']);
    expect(c.syncs).toHaveLength(2);
  });

  test.each<Provider>(['OUTLOOK', 'GOOGLE'])('%s: a forged notification naming a real channel is acknowledged, changes nothing, and is counted', async (provider) => {
    const c = await connected(provider);
    const base = s.t.url.replace(/\/graphql$/, '');
    const rejected = async () => sample(await (await fetch(`${base}/metrics`)).text(), 'calbridge_webhook_notifications_total', { provider: provider.toLowerCase(), result: 'rejected' });
    await s.t.app.whenIdle();
    const before = await rejected();
    const res =
      provider === 'OUTLOOK'
        ? await fetch(`${base}/webhooks/outlook`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ value: [{ subscriptionId: c.channelId, clientState: 'a-guess', changeType: 'created', resource: 'me/events/x' }] }),
          })
        : await fetch(`${base}/webhooks/google`, { method: 'POST', headers: { 'x-goog-channel-id': c.channelId, 'x-goog-channel-token': 'a-guess', 'x-goog-resource-state': 'exists' } });
    expect(res.status).toBe(202);
    // Handled (and counted) after the answer: no sync was asked for.
    await eventually(rejected, (n) => n === before + 1);
    await s.t.app.whenIdle();
    expect(c.syncs).toEqual([]);
    expect(await rejected()).toBe(before + 1);
  });

  test('the webhook answers at once however slow the provider is: a notification never waits on a provider call', async () => {
    const outlook = await connected('OUTLOOK');
    const google = await connected('GOOGLE');
    // Every provider request of both accounts now takes 3.5 s (Graph wants an answer within 3 s).
    s.emu.microsoft.faults.add({ kind: 'delay', ms: 3_500, account: outlook.login, route: '/v1.0/**' });
    s.emu.google.faults.add({ fault: { type: 'delay', ms: 3_500 }, account: google.login, route: '/calendar/', times: Infinity });
    const started = Date.now();
    outlook.create('Slow Outlook', 3);
    google.create('Slow Google', 3);
    const graph = await s.emu.microsoft.subscriptions.waitForDelivery((d) => d.kind === 'change' && d.subscriptionId === outlook.channelId);
    await s.emu.google.push.idle();
    const watch = s.emu.google.push.deliveries.find((d) => d.channelId === google.channelId && d.state === 'exists')!;
    expect(graph.status).toBe(202);
    expect(watch.status).toBe(202);
    expect(Date.now() - started).toBeLessThan(1_000);
    // The syncs they caused still bring the events in.
    expect(await eventually(outlook.titles, (ts) => ts.length > 0)).toEqual(['Slow Outlook']);
    expect(await eventually(google.titles, (ts) => ts.length > 0)).toEqual(['Slow Google']);
    await s.t.app.whenIdle();
  });

  describe('Graph lifecycle events', () => {
    test('reauthorizationRequired renews the subscription at once', async () => {
      const c = await connected('OUTLOOK');
      const before = graphSubscription(c.channelId).expiresAtMs;
      const renewals = () => s.emu.microsoft.requestLog.list({ method: 'PATCH', path: `/v1.0/subscriptions/${c.channelId}`, account: c.login });
      expect(renewals()).toHaveLength(0);
      const delivery = await s.emu.microsoft.subscriptions.lifecycle(c.channelId, 'reauthorizationRequired');
      expect(delivery.status).toBe(202);
      const [renewal] = await eventually(renewals, (rs) => rs.length > 0);
      expect(renewal.status).toBe(200);
      await s.t.app.whenIdle();
      // The same subscription, extended; our row follows it.
      const sub = graphSubscription(c.channelId);
      expect(sub.expiresAtMs).toBeGreaterThan(before);
      const [row] = await s.ds().query(`SELECT channel_id, expires_at FROM push_channels WHERE provider_calendar_id = $1`, [c.calendarId]);
      expect(row).toEqual({ channel_id: c.channelId, expires_at: new Date(sub.expiresAtMs) });
      c.create('After the renewal', 4);
      expect(await eventually(c.titles, (ts) => ts.length > 0)).toEqual(['After the renewal']);
    });

    test('subscriptionRemoved re-creates it, and what changed meanwhile is synced', async () => {
      const c = await connected('OUTLOOK');
      // Graph drops the subscription (the emulator at once, before it notifies), then an event is created: nobody is told.
      const removed = s.emu.microsoft.subscriptions.lifecycle(c.channelId, 'subscriptionRemoved');
      expect(s.emu.microsoft.state.subscriptions.has(c.channelId)).toBe(false);
      c.create('While removed', 5);
      expect((await removed).status).toBe(202);
      const [row] = await eventually(
        () => s.ds().query(`SELECT channel_id FROM push_channels WHERE provider_calendar_id = $1`, [c.calendarId]),
        (rs: Array<{ channel_id: string }>) => rs.length === 1 && rs[0].channel_id !== c.channelId,
      );
      expect(await eventually(c.titles, (ts) => ts.length > 0)).toEqual(['While removed']);
      await s.t.app.whenIdle();
      // A new subscription for the same calendar notifies again.
      const sub = graphSubscription(row.channel_id);
      expect(sub.resource).toBe(graphSubscription(row.channel_id).resource);
      c.create('Through the new subscription', 6);
      expect(await eventually(c.titles, (ts) => ts.length === 2)).toEqual(['Through the new subscription', 'While removed']);
    });

    test('missed: a notification that never arrived is made up for by a sync', async () => {
      const c = await connected('OUTLOOK');
      // The notification of this change is lost on the way.
      const sub = graphSubscription(c.channelId);
      const url = sub.notificationUrl;
      sub.notificationUrl = 'http://127.0.0.1:9/unreachable';
      c.create('Notification lost', 7);
      await eventually(
        () => s.emu.microsoft.subscriptions.deliveries.filter((d) => d.kind === 'change' && d.subscriptionId === c.channelId),
        (ds) => ds.length === 1 && ds[0].status === 0,
      );
      sub.notificationUrl = url;
      await s.t.app.whenIdle();
      expect(await c.titles()).toEqual([]);
      // Graph tells us it missed some: the calendar syncs.
      expect((await s.emu.microsoft.subscriptions.lifecycle(c.channelId, 'missed')).status).toBe(202);
      expect(await eventually(c.titles, (ts) => ts.length > 0)).toEqual(['Notification lost']);
    });
  });
});
