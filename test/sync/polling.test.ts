import { ExternalEventsDocument, Provider } from '../generated/graphql';
import { newTenant, uniqueEmail } from '../support/connect-flow';
import { useEmulatedService } from '../support/emulated-service';
import { eventually } from '../support/eventually';
import { googleEvent, hourFromNow, outlookEvent, plusMinutes } from '../support/provider-events';

// Polling: a calendar the provider refuses push for (a failed Graph handshake, Google refusing the address) is
// polled every SYNC_POLL_SECONDS (120); one with push still every SYNC_SAFETY_POLL_SECONDS (900), which makes up
// for a lost notification. Time is the app's injected clock; the periodic tick is run by hand here (its schedule
// across instances is in sync-tick.test.ts).

describe('polling', () => {
  const clock = { offsetMs: 0, now: () => new Date(Date.now() + clock.offsetMs) };
  const s = useEmulatedService({ app: { clock } });

  afterEach(() => {
    clock.offsetMs = 0;
    s.t.app.services.syncServices.calendarSync.hooks.started = undefined;
  });

  async function connected(provider: Provider, opts: { refusePush: boolean }) {
    const w = await newTenant(s.ds());
    let login: string;
    let create: (title: string, day: number) => string;
    if (provider === 'OUTLOOK') {
      const a = s.emu.microsoft.addAccount({ email: uniqueEmail('poll', 'contoso-poll.test') });
      login = a.userPrincipalName;
      // Graph's validation handshake fails (as real Graph refuses an http notification URL).
      if (opts.refusePush) s.emu.microsoft.faults.add({ kind: 'refuseValidation', account: login });
      create = (title, day) => outlookEvent(s.emu, a.defaultCalendarId, { title, start: hourFromNow(day, 10), end: plusMinutes(hourFromNow(day, 10), 30) });
    } else {
      const a = s.emu.google.addAccount({ email: uniqueEmail('poll', 'gmail.test') });
      login = a.email;
      if (opts.refusePush) s.emu.google.faults.add({ fault: { type: 'refusePush' }, account: login, route: '/events/watch', times: Infinity });
      create = (title, day) => googleEvent(s.emu, a.email, { title, start: hourFromNow(day, 10), end: plusMinutes(hourFromNow(day, 10), 30) });
    }
    const conn = await s.flow.connected(w.userA, w.locA, provider, login);
    const calendarId = conn.calendars.find((c) => c.isDefault)!.id;
    const titles = async () => {
      const r = await s.t.gql(ExternalEventsDocument, { locationId: w.locA, from: hourFromNow(-1, 0).toISOString(), to: hourFromNow(40, 0).toISOString() }, s.t.tokenFor(w.userA));
      expect(r.errors).toBeUndefined();
      return r.data!.externalEvents.map((e) => e.title).sort();
    };
    const syncs: Date[] = [];
    s.t.app.services.syncServices.calendarSync.hooks.started = (id) => void (id === calendarId && syncs.push(clock.now()));
    const nextPollIn = async () => {
      const [state] = await s.ds().query(`SELECT next_poll_at FROM calendar_sync_states WHERE provider_calendar_id = $1`, [calendarId]);
      return Math.round((state.next_poll_at.getTime() - clock.now().getTime()) / 1000);
    };
    return { w, login, create, conn, calendarId, titles, syncs, nextPollIn };
  }

  /** The clock moves on to `seconds` after the test's start, and the periodic tick runs. */
  async function tickAt(seconds: number) {
    clock.offsetMs = seconds * 1000;
    await s.t.app.services.syncServices.tick.run();
    await s.t.app.whenIdle();
  }

  test.each<Provider>(['OUTLOOK', 'GOOGLE'])('%s: push refused → the calendar is polled every SYNC_POLL_SECONDS, and a change shows at the next poll', async (provider) => {
    const c = await connected(provider, { refusePush: true });
    const [channels] = await s.ds().query(`SELECT count(*)::int AS n FROM push_channels WHERE connection_id = $1`, [c.conn.id]);
    expect(channels.n).toBe(0);
    expect(await c.nextPollIn()).toBeGreaterThan(110);
    expect(await c.nextPollIn()).toBeLessThanOrEqual(120);

    // Nobody notifies us of this change.
    c.create('Seen by polling', 2);
    await tickAt(60);
    expect(c.syncs).toHaveLength(0);
    expect(await c.titles()).toEqual([]);

    await tickAt(121);
    expect(c.syncs).toHaveLength(1);
    expect(await c.titles()).toEqual(['Seen by polling']);
    // And again SYNC_POLL_SECONDS later.
    expect(await c.nextPollIn()).toBe(120);
    c.create('Seen two minutes later', 3);
    await tickAt(200);
    expect(c.syncs).toHaveLength(1);
    await tickAt(242);
    expect(c.syncs).toHaveLength(2);
    expect(await c.titles()).toEqual(['Seen by polling', 'Seen two minutes later']);
  });

  test.each<Provider>(['OUTLOOK', 'GOOGLE'])('%s: a calendar with push is polled only every SYNC_SAFETY_POLL_SECONDS, which makes up for a lost notification', async (provider) => {
    const c = await connected(provider, { refusePush: false });
    // Once a sync has seen its push channel, the next poll is the safety poll.
    await s.t.app.services.sync.syncCalendars([c.calendarId]);
    await s.t.app.whenIdle();
    expect(await c.nextPollIn()).toBe(900);
    c.syncs.length = 0;

    // A notification lost on the way.
    const [channel] = await s.ds().query(`SELECT channel_id FROM push_channels WHERE provider_calendar_id = $1`, [c.calendarId]);
    if (provider === 'OUTLOOK') {
      const sub = s.emu.microsoft.state.subscriptions.get(channel.channel_id)!;
      const url = sub.notificationUrl;
      sub.notificationUrl = 'http://127.0.0.1:9/unreachable';
      c.create('Notification lost', 4);
      await eventually(
        () => s.emu.microsoft.subscriptions.deliveries.filter((d) => d.kind === 'change' && d.subscriptionId === sub.id),
        (ds) => ds.length === 1,
      );
      sub.notificationUrl = url;
    } else {
      const ch = s.emu.google.push.channels.get(channel.channel_id)!;
      const address = ch.address;
      ch.address = 'http://127.0.0.1:9/unreachable';
      c.create('Notification lost', 4);
      await s.emu.google.push.idle();
      expect(s.emu.google.push.deliveries.filter((d) => d.channelId === ch.id && d.state === 'exists').map((d) => d.status)).toEqual([null]);
      ch.address = address;
    }
    await s.t.app.whenIdle();

    await tickAt(600);
    expect(c.syncs).toHaveLength(0);
    expect(await c.titles()).toEqual([]);
    await tickAt(901);
    expect(c.syncs).toHaveLength(1);
    expect(await c.titles()).toEqual(['Notification lost']);
    expect(await c.nextPollIn()).toBe(900);
  });

  test('a paused connection is not polled', async () => {
    const c = await connected('GOOGLE', { refusePush: true });
    await s.ds().query(`UPDATE connections SET pause_reason = 'PLAN_DOWNGRADE' WHERE id = $1`, [c.conn.id]);
    await tickAt(121);
    expect(c.syncs).toHaveLength(0);
  });
});
