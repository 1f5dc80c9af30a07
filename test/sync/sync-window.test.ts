import { ExternalEventsDocument, Provider } from '../generated/graphql';
import { newTenant, uniqueEmail } from '../support/connect-flow';
import { useEmulatedService } from '../support/emulated-service';
import { googleEvent, hourFromNow, outlookEvent, plusMinutes } from '../support/provider-events';

// The sync window (7 days back, 180 ahead) rolls forward with time: a periodic full sync (daily) re-anchors
// it (Graph's delta window is fixed by its cursor), so events that came into it appear and those that left it
// go. Time is the app's injected clock.

describe('sync window', () => {
  const clock = { offsetMs: 0, now: () => new Date(Date.now() + clock.offsetMs) };
  const s = useEmulatedService({ app: { clock } });

  afterEach(() => {
    clock.offsetMs = 0;
  });

  const titlesAround = async (viewer: string, locationId: string, day: number) =>
    (
      await s.t.gql(ExternalEventsDocument, { locationId, from: hourFromNow(day - 1, 0).toISOString(), to: hourFromNow(day + 1, 0).toISOString() }, s.t.tokenFor(viewer))
    ).data!.externalEvents.map((e) => e.title);

  test.each<Provider>(['OUTLOOK', 'GOOGLE'])('%s: a day later the next sync is full over the moved window: what entered it appears, what left it goes', async (provider) => {
    const w = await newTenant(s.t.app.ds);
    const past = { title: 'Three days ago', start: hourFromNow(-3), end: plusMinutes(hourFromNow(-3), 60) };
    const far = { title: 'In 185 days', start: hourFromNow(185), end: plusMinutes(hourFromNow(185), 60) };
    let login: string;
    if (provider === 'OUTLOOK') {
      const a = s.emu.microsoft.addAccount({ email: uniqueEmail('window', 'contoso-window.test') });
      for (const e of [past, far]) outlookEvent(s.emu, a.defaultCalendarId, e);
      login = a.userPrincipalName;
    } else {
      const a = s.emu.google.addAccount({ email: uniqueEmail('window', 'gmail.test') });
      for (const e of [past, far]) googleEvent(s.emu, a.email, e);
      login = a.email;
    }
    const conn = await s.flow.connected(w.userA, w.locA, provider, login);
    const calendarId = conn.calendars.find((c) => c.isDefault)!.id;
    expect(await titlesAround(w.userA, w.locA, -3)).toEqual(['Three days ago']);
    expect(await titlesAround(w.userA, w.locA, 185)).toEqual([]);

    // An hour later nothing is due: the sync is incremental and the window stays.
    clock.offsetMs = 3600_000;
    await s.t.app.services.sync.syncCalendars([calendarId]);
    await s.t.app.whenIdle();
    expect(await titlesAround(w.userA, w.locA, 185)).toEqual([]);

    // Ten days later: the daily full sync moves the window to [now + 3 days, now + 190 days].
    clock.offsetMs = 10 * 86_400_000;
    await s.t.app.services.sync.syncCalendars([calendarId]);
    await s.t.app.whenIdle();
    expect(await titlesAround(w.userA, w.locA, 185)).toEqual(['In 185 days']);
    expect(await titlesAround(w.userA, w.locA, -3)).toEqual([]);
    const [state] = await s.t.app.ds.query(`SELECT window_start, last_full_sync_at FROM calendar_sync_states WHERE provider_calendar_id = $1`, [calendarId]);
    expect(Math.abs(state.window_start.getTime() - (Date.now() + 3 * 86_400_000))).toBeLessThan(60_000);
    expect(state.last_full_sync_at.getTime()).toBeGreaterThan(Date.now() + 9 * 86_400_000);
  });
});
