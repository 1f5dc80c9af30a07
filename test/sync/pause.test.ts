import { ConnectionsDocument, ExternalEventsDocument, SetLocationFeatureDocument } from '../generated/graphql';
import { newTenant, uniqueEmail } from '../support/connect-flow';
import { useEmulatedService } from '../support/emulated-service';
import { googleEvent, hourFromNow, plusMinutes } from '../support/provider-events';

// A connection paused by a downgrade or the location switch (an explicit pause reason, not an error text)
// does no provider work: its calendars do not sync, their data stays; when the feature is back it catches up.

describe('paused connections', () => {
  const s = useEmulatedService();

  test('the location switches Google off: no sync while paused, the events stay; switched on again, it catches up', async () => {
    const w = await newTenant(s.t.app.ds);
    const me = s.emu.google.addAccount({ email: uniqueEmail('pause', 'gmail.test') });
    const first = { title: 'Before', start: hourFromNow(2), end: plusMinutes(hourFromNow(2), 30) };
    googleEvent(s.emu, me.email, first);
    const conn = await s.flow.connected(w.userA, w.locA, 'GOOGLE', me.email);
    const calendarId = conn.calendars.find((c) => c.isDefault)!.id;
    const titles = async () =>
      (await s.t.gql(ExternalEventsDocument, { locationId: w.locA, from: hourFromNow(0, 0).toISOString(), to: hourFromNow(10, 0).toISOString() }, s.t.tokenFor(w.userA))).data!.externalEvents.map((e) => e.title).sort();
    const reads = () => s.emu.google.requestLog.entries.filter((r) => r.method === 'GET' && r.path.endsWith(`/calendars/${encodeURIComponent(me.email)}/events`)).length;
    const switchGoogle = async (enabled: boolean) => {
      expect((await s.t.gql(SetLocationFeatureDocument, { locationId: w.locA, feature: 'GOOGLE_CALENDAR', enabled }, s.t.tokenFor(w.agencyAdmin))).errors).toBeUndefined();
      await s.t.app.whenIdle();
    };

    await switchGoogle(false);
    expect((await s.t.app.ds.query(`SELECT pause_reason FROM connections WHERE id = $1`, [conn.id]))[0].pause_reason).toBe('LOCATION_DISABLED');
    googleEvent(s.emu, me.email, { title: 'While paused', start: hourFromNow(3), end: plusMinutes(hourFromNow(3), 30) });
    const before = reads();
    await s.t.app.services.sync.syncCalendars([calendarId]);
    await s.t.app.whenIdle();
    expect(reads()).toBe(before);
    expect(await titles()).toEqual(['Before']);
    const [paused] = (await s.t.gql(ConnectionsDocument, { locationId: w.locA }, s.t.tokenFor(w.userA))).data!.connections;
    expect(paused).toMatchObject({ status: 'ACTIVE', syncState: 'IDLE', lastError: expect.stringMatching(/no longer enabled/) });

    await switchGoogle(true);
    expect(await titles()).toEqual(['Before', 'While paused']);
    const [resumed] = (await s.t.gql(ConnectionsDocument, { locationId: w.locA }, s.t.tokenFor(w.userA))).data!.connections;
    expect(resumed).toMatchObject({ status: 'ACTIVE', syncState: 'IDLE', lastError: null });
  });
});
