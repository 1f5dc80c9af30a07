import { ExternalEventsDocument } from '../generated/graphql';
import { newTenant, uniqueEmail } from '../support/connect-flow';
import { useEmulatedService } from '../support/emulated-service';
import { eventually } from '../support/eventually';
import { googleEvent, hourFromNow, plusMinutes } from '../support/provider-events';

// Work a dead worker left behind, found by the periodic tick of a live instance (no restart, no request, no
// notification): a calendar left SYNCING is synced again once its lease has run out (not while it still runs), and
// a calendar whose retry is long overdue with nobody holding it (the worker died between recording the failure and
// enqueueing the retry) is retried. worker-kill.test.ts does this with real processes and kill -9.

describe('syncs a dead worker left', () => {
  const s = useEmulatedService();

  afterEach(() => {
    s.t.app.services.syncServices.calendarSync.hooks.started = undefined;
  });

  /** A connected Google calendar without push (the channel refused): only polls (far off) and the tick's resumption sync it. */
  async function polledCalendar() {
    const w = await newTenant(s.ds());
    const me = s.emu.google.addAccount({ email: uniqueEmail('dead', 'gmail.test') });
    s.emu.google.faults.add({ fault: { type: 'refusePush' }, route: '/watch', account: me.email, times: Infinity });
    const conn = await s.flow.connected(w.userA, w.locA, 'GOOGLE', me.email);
    const calendarId = conn.calendars.find((c) => c.isDefault)!.id;
    const started: string[] = [];
    s.t.app.services.syncServices.calendarSync.hooks.started = (id) => void (id === calendarId && started.push(id));
    const titles = async () => {
      const r = await s.t.gql(ExternalEventsDocument, { locationId: w.locA, from: hourFromNow(0, 0).toISOString(), to: hourFromNow(3, 0).toISOString() }, s.t.tokenFor(w.userA));
      expect(r.errors).toBeUndefined();
      return r.data!.externalEvents.map((e) => e.title);
    };
    const add = (title: string, day: number) => googleEvent(s.emu, me.email, { title, start: hourFromNow(day, 9), end: plusMinutes(hourFromNow(day, 9), 30) });
    return { calendarId, started, titles, add };
  }

  test('a calendar left SYNCING is synced again by the tick once the lease has run out, not before', async () => {
    const c = await polledCalendar();
    // A worker died mid-sync: the calendar stays SYNCING under its lease, and no job of it is waiting.
    await s.ds().query(`UPDATE calendar_sync_states SET stage = 'SYNCING', lease_owner = gen_random_uuid(), lease_until = now() + interval '1500 milliseconds' WHERE provider_calendar_id = $1`, [c.calendarId]);
    c.add('Missed while it was dead', 1);
    const tick = s.t.app.services.syncServices.tick;

    // While the lease runs, nobody touches the calendar.
    expect(await tick.run()).toMatchObject({ resumed: 0 });
    await s.t.app.whenIdle();
    expect(c.started).toEqual([]);
    expect(await c.titles()).toEqual([]);

    // Then a tick resumes it, and the calendar is at rest again.
    await eventually(() => tick.run(), (r) => (r?.resumed ?? 0) > 0, 5_000);
    await s.t.app.whenIdle();
    expect(c.started).toEqual([c.calendarId]);
    expect(await c.titles()).toEqual(['Missed while it was dead']);
    const [state] = await s.ds().query(`SELECT stage, lease_owner FROM calendar_sync_states WHERE provider_calendar_id = $1`, [c.calendarId]);
    expect(state).toEqual({ stage: 'IDLE', lease_owner: null });
    expect(await tick.run()).toMatchObject({ resumed: 0 });
  });

  test('a retry lost with its worker is run by the tick once it is long overdue; one still due later is left to its job', async () => {
    const c = await polledCalendar();
    const tick = s.t.app.services.syncServices.tick;
    c.add('Waiting for the retry', 2);
    // A failure recorded, its retry due in a minute (its job waits): the tick leaves it.
    await s.ds().query(`UPDATE calendar_sync_states SET stage = 'BACKOFF', consecutive_failures = 1, next_attempt_at = now() + interval '1 minute' WHERE provider_calendar_id = $1`, [c.calendarId]);
    expect(await tick.run()).toMatchObject({ resumed: 0 });
    // The worker died before it enqueued the retry, which is now five minutes overdue.
    await s.ds().query(`UPDATE calendar_sync_states SET next_attempt_at = now() - interval '5 minutes' WHERE provider_calendar_id = $1`, [c.calendarId]);
    expect(await tick.run()).toMatchObject({ resumed: 1 });
    await eventually(() => c.titles(), (titles) => titles.includes('Waiting for the retry'), 5_000);
    await s.t.app.whenIdle();
    expect(c.started).toEqual([c.calendarId]);
    const [state] = await s.ds().query(`SELECT stage, consecutive_failures, next_attempt_at FROM calendar_sync_states WHERE provider_calendar_id = $1`, [c.calendarId]);
    expect(state).toEqual({ stage: 'IDLE', consecutive_failures: 0, next_attempt_at: null });
  });
});
