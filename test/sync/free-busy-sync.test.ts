import { ExternalEventsDocument, UpdateCalendarConfigurationDocument } from '../generated/graphql';
import { newTenant, scalar, uniqueEmail } from '../support/connect-flow';
import { useEmulatedService } from '../support/emulated-service';
import { googleEvent, hourFromNow, plusMinutes } from '../support/provider-events';

// A Google calendar shared free/busy only, chosen as a conflict calendar: the sync reads it as busy blocks
// (freeBusy, no titles, no cursor), so every sync of it is full and ends with a sweep of the blocks gone.

describe('sync of a free/busy-only calendar', () => {
  const s = useEmulatedService();

  test('busy blocks without titles; the next sync (never incremental) moves a block and drops a deleted one', async () => {
    const w = await newTenant(s.ds());
    const colleague = uniqueEmail('fbsync-colleague', 'gmail.test');
    const sharedId = `fb-${colleague}`;
    s.emu.google.addAccount({ email: colleague, calendars: [{ id: sharedId, summary: 'Colleague (free/busy)' }] });
    const me = s.emu.google.addAccount({ email: uniqueEmail('fbsync', 'gmail.test') });
    s.emu.google.state.shareCalendar(sharedId, me.email, 'freeBusyReader');
    const review = { title: 'Private review', start: hourFromNow(1, 9), end: plusMinutes(hourFromNow(1, 9), 60) };
    const reviewId = googleEvent(s.emu, sharedId, review);
    const offsite = googleEvent(s.emu, sharedId, { title: 'Offsite', start: hourFromNow(3, 13), end: plusMinutes(hourFromNow(3, 13), 120) });
    const conn = await s.flow.connected(w.userA, w.locA, 'GOOGLE', me.email);
    const freeBusy = conn.calendars.find((c) => c.name === 'Colleague (free/busy)')!;
    expect(freeBusy.access).toBe('FREE_BUSY');

    const selected = await s.t.gql(UpdateCalendarConfigurationDocument, { input: { locationId: w.locA, conflictCalendarIds: [freeBusy.id] } }, s.t.tokenFor(w.userA));
    expect(selected.errors).toBeUndefined();
    await s.t.app.whenIdle();

    const blocks = async () => {
      const r = await s.t.gql(ExternalEventsDocument, { locationId: w.locA, from: hourFromNow(-1, 0).toISOString(), to: hourFromNow(30, 0).toISOString() }, s.t.tokenFor(w.userA));
      expect(r.errors).toBeUndefined();
      return r.data!.externalEvents.map((e) => ({ title: e.title, start: e.startTime, end: e.endTime, availability: e.availability, blocks: e.blocksAvailability })).sort((a, b) => a.start.localeCompare(b.start));
    };
    const block = (start: Date, minutes: number) => ({ title: null, start: start.toISOString(), end: plusMinutes(start, minutes).toISOString(), availability: 'BUSY', blocks: true });
    expect(await blocks()).toEqual([block(review.start, 60), block(hourFromNow(3, 13), 120)]);
    const state = async () => (await s.ds().query(`SELECT stage, cursor, last_error FROM calendar_sync_states WHERE provider_calendar_id = $1`, [freeBusy.id]))[0];
    expect(await state()).toEqual({ stage: 'IDLE', cursor: null, last_error: null });

    // At the colleague's: the review moves, the offsite is cancelled. A plain (not full) sync request.
    s.emu.google.state.patchEvent(sharedId, reviewId, { start: { dateTime: hourFromNow(2, 15).toISOString() }, end: { dateTime: plusMinutes(hourFromNow(2, 15), 30).toISOString() } });
    s.emu.google.state.deleteEvent(sharedId, offsite);
    s.emu.google.requestLog.clear();
    await s.t.app.services.sync.syncCalendars([freeBusy.id]);
    await s.t.app.whenIdle();

    expect(await blocks()).toEqual([block(hourFromNow(2, 15), 30)]);
    expect(await state()).toEqual({ stage: 'IDLE', cursor: null, last_error: null });
    expect(await scalar(s.ds(), `SELECT count(*) FROM external_events WHERE provider_calendar_id = $1`, [freeBusy.id])).toBe(1);
    // Read through freeBusy only: events.list is refused for such a calendar and never tried.
    const reads = s.emu.google.requestLog.entries.filter((r) => r.path.includes(encodeURIComponent(sharedId)) || r.path.endsWith('/freeBusy'));
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((r) => r.path.endsWith('/freeBusy'))).toBe(true);
    const [row] = await s.ds().query(`SELECT sync_state, last_error FROM connections WHERE id = $1`, [conn.id]);
    expect(row).toEqual({ sync_state: 'IDLE', last_error: null });
  });
});
