import { ConnectFlow, Emulators, newTenant, startEmulators, uniqueEmail } from '../support/connect-flow';
import { eventually } from '../support/eventually';
import { googleEvent, hourFromNow, plusMinutes } from '../support/provider-events';
import { startTestApp, TestApp } from '../support/test-app';

// The periodic tick (due polls, expiring channels) runs by itself every few seconds on one of the instances
// sharing a database, and one scan at a time: a scan that finds another in progress does nothing.

describe('sync tick across instances', () => {
  let emu: Emulators;
  let a: TestApp;
  let b: TestApp;
  let flow: ConnectFlow;
  const clock = { offsetMs: 0, now: () => new Date(Date.now() + clock.offsetMs) };

  beforeAll(async () => {
    emu = await startEmulators();
    a = await startTestApp(emu.env, undefined, { clock, sync: { tickSeconds: 1 } });
    b = await startTestApp(emu.env, a.app.config.DATABASE_URL!, { clock, sync: { tickSeconds: 1 } });
    flow = new ConnectFlow(a, emu);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await emu?.close();
  });

  test('one scan at a time: while one instance scans, a scan on either instance does nothing', async () => {
    let entered!: () => void;
    let release!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const held = new Promise<void>((resolve) => (release = resolve));
    const tickA = a.app.services.syncServices.tick;
    tickA.hooks.scanning = async () => {
      tickA.hooks.scanning = undefined;
      entered();
      await held;
    };
    const first = tickA.run();
    await inside;
    expect(await b.app.services.syncServices.tick.run()).toBeNull();
    expect(await tickA.run()).toBeNull();
    release();
    expect(await first).toEqual({ polls: expect.any(Number), renewals: expect.any(Number), resumed: expect.any(Number) });
  });

  test('the tick runs by itself: a calendar whose poll falls due is synced without anyone asking', async () => {
    const w = await newTenant(a.app.ds);
    const me = emu.google.addAccount({ email: uniqueEmail('tick', 'gmail.test') });
    emu.google.faults.add({ fault: { type: 'refusePush' }, account: me.email, route: '/events/watch', times: Infinity });
    const conn = await flow.connected(w.userA, w.locA, 'GOOGLE', me.email);
    const calendarId = conn.calendars.find((c) => c.isDefault)!.id;
    googleEvent(emu, me.email, { title: 'Polled', start: hourFromNow(1, 10), end: plusMinutes(hourFromNow(1, 10), 30) });
    const synced: string[] = [];
    for (const [name, t] of [['a', a], ['b', b]] as const) t.app.services.syncServices.calendarSync.hooks.started = (id) => void (id === calendarId && synced.push(name));

    clock.offsetMs = 121_000;
    await eventually(() => a.app.ds.query(`SELECT count(*)::int AS n FROM external_events WHERE provider_calendar_id = $1`, [calendarId]), (r: Array<{ n: number }>) => r[0].n === 1);
    expect(synced).toHaveLength(1);
  });
});
