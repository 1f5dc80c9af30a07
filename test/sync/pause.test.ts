import { ConnectionsDocument, ExternalEventsDocument, SetLocationFeatureDocument } from '../generated/graphql';
import { ConnectFlow, Emulators, newTenant, startEmulators, uniqueEmail } from '../support/connect-flow';
import { googleEvent, hourFromNow, plusMinutes } from '../support/provider-events';
import { startTestApp, TestApp } from '../support/test-app';

// A connection paused by a downgrade or the location switch (an explicit pause reason, not an error text)
// does no provider work: its calendars do not sync, their data stays; when the feature is back it catches up.

describe('paused connections', () => {
  let t: TestApp;
  let emu: Emulators;
  let flow: ConnectFlow;

  beforeAll(async () => {
    emu = await startEmulators();
    t = await startTestApp(emu.env);
    flow = new ConnectFlow(t, emu);
  });
  afterAll(async () => {
    await t?.stop();
    await emu?.close();
  });

  test('the location switches Google off: no sync while paused, the events stay; switched on again, it catches up', async () => {
    const w = await newTenant(t.app.ds);
    const me = emu.google.addAccount({ email: uniqueEmail('pause', 'gmail.test') });
    const first = { title: 'Before', start: hourFromNow(2), end: plusMinutes(hourFromNow(2), 30) };
    googleEvent(emu, me.email, first);
    const conn = await flow.connected(w.userA, w.locA, 'GOOGLE', me.email);
    const calendarId = conn.calendars.find((c) => c.isDefault)!.id;
    const titles = async () =>
      (await t.gql(ExternalEventsDocument, { locationId: w.locA, from: hourFromNow(0, 0).toISOString(), to: hourFromNow(10, 0).toISOString() }, t.tokenFor(w.userA))).data!.externalEvents.map((e) => e.title).sort();
    const reads = () => emu.google.requestLog.entries.filter((r) => r.method === 'GET' && r.path.endsWith(`/calendars/${encodeURIComponent(me.email)}/events`)).length;
    const switchGoogle = async (enabled: boolean) => {
      expect((await t.gql(SetLocationFeatureDocument, { locationId: w.locA, feature: 'GOOGLE_CALENDAR', enabled }, t.tokenFor(w.agencyAdmin))).errors).toBeUndefined();
      await t.app.whenIdle();
    };

    await switchGoogle(false);
    expect((await t.app.ds.query(`SELECT pause_reason FROM connections WHERE id = $1`, [conn.id]))[0].pause_reason).toBe('LOCATION_DISABLED');
    googleEvent(emu, me.email, { title: 'While paused', start: hourFromNow(3), end: plusMinutes(hourFromNow(3), 30) });
    const before = reads();
    await t.app.services.sync.syncCalendars([calendarId]);
    await t.app.whenIdle();
    expect(reads()).toBe(before);
    expect(await titles()).toEqual(['Before']);
    const [paused] = (await t.gql(ConnectionsDocument, { locationId: w.locA }, t.tokenFor(w.userA))).data!.connections;
    expect(paused).toMatchObject({ status: 'ACTIVE', syncState: 'IDLE', lastError: expect.stringMatching(/no longer enabled/) });

    await switchGoogle(true);
    expect(await titles()).toEqual(['Before', 'While paused']);
    const [resumed] = (await t.gql(ConnectionsDocument, { locationId: w.locA }, t.tokenFor(w.userA))).data!.connections;
    expect(resumed).toMatchObject({ status: 'ACTIVE', syncState: 'IDLE', lastError: null });
  });
});
