import { DateTime } from 'luxon';
import { ExternalEventsDocument, Provider, UpdateCalendarConfigurationDocument } from '../generated/graphql';
import { newTenant, uniqueEmail } from '../support/connect-flow';
import { useEmulatedService } from '../support/emulated-service';

// What a user sees in externalEvents is what their calendar shows, through the whole sync (initial, incremental,
// full): one row per occurrence of a recurring series, its moved and cancelled occurrences applied, a shortened
// or deleted series leaving no occurrence behind; all-day events midnight to midnight in their own zone, whatever
// the zones of the calendars.

const day = 86_400_000;

/** The first Monday at least `days` days from now, 10:00 UTC. */
function mondayAfter(days: number): Date {
  const d = DateTime.utc().plus({ days }).startOf('day');
  return d.plus({ days: (8 - d.weekday) % 7 }).set({ hour: 10 }).toJSDate();
}
const at = (d: Date, plusMs = 0) => new Date(d.getTime() + plusMs);
/** Local midnight of `date` (YYYY-MM-DD) in `zone`, as an ISO instant. */
const midnight = (date: string, zone: string) => DateTime.fromISO(date, { zone }).startOf('day').toUTC().toISO({ suppressMilliseconds: false })!;

/** A user's calendar at the emulator, with what they do to recurring series in Outlook or Google Calendar. */
interface SeriesCalendar {
  login: string;
  /** A weekly series on the weekday of `first`, `count` occurrences of an hour; returns the series' id. */
  weekly(title: string, first: Date, count: number): string;
  move(occurrenceId: string, start: Date, end: Date): void;
  cancel(occurrenceId: string): void;
  /** The series keeps only its first `count` occurrences. */
  shorten(seriesId: string, first: Date, count: number): void;
  remove(seriesId: string): void;
}

describe('sync fidelity', () => {
  // Small pages: the series' occurrences arrive over several of them.
  const s = useEmulatedService({ app: { sync: { pageSize: 2 } } });

  function seriesCalendar(provider: Provider): SeriesCalendar {
    const utc = (d: Date) => d.toISOString().slice(0, 19);
    if (provider === 'OUTLOOK') {
      const a = s.emu.microsoft.addAccount({ email: uniqueEmail('fidelity', 'contoso-fidelity.test') });
      const weekday = (d: Date) => DateTime.fromJSDate(d, { zone: 'utc' }).toFormat('cccc').toLowerCase();
      const recurrence = (first: Date, count: number) => ({
        pattern: { type: 'weekly' as const, interval: 1, daysOfWeek: [weekday(first)], firstDayOfWeek: 'sunday' },
        range: { type: 'numbered' as const, startDate: utc(first).slice(0, 10), numberOfOccurrences: count },
      });
      return {
        login: a.userPrincipalName,
        weekly: (title, first, count) =>
          s.emu.microsoft.state.createEvent(a.defaultCalendarId, {
            subject: title,
            start: { dateTime: utc(first), timeZone: 'UTC' },
            end: { dateTime: utc(at(first, 3600_000)), timeZone: 'UTC' },
            recurrence: recurrence(first, count),
          }).event.id,
        move: (id, start, end) => void s.emu.microsoft.state.updateEvent(id, { start: { dateTime: utc(start), timeZone: 'UTC' }, end: { dateTime: utc(end), timeZone: 'UTC' } }),
        cancel: (id) => void s.emu.microsoft.state.deleteEvent(id),
        shorten: (id, first, count) => void s.emu.microsoft.state.updateEvent(id, { recurrence: recurrence(first, count) }),
        remove: (id) => void s.emu.microsoft.state.deleteEvent(id),
      };
    }
    const a = s.emu.google.addAccount({ email: uniqueEmail('fidelity', 'gmail.test') });
    return {
      login: a.email,
      weekly: (title, first, count) =>
        s.emu.google.state.insertEvent(a.email, {
          summary: title,
          start: { dateTime: first.toISOString(), timeZone: 'UTC' },
          end: { dateTime: at(first, 3600_000).toISOString(), timeZone: 'UTC' },
          recurrence: [`RRULE:FREQ=WEEKLY;COUNT=${count}`],
        }).id,
      move: (id, start, end) => void s.emu.google.state.patchEvent(a.email, id, { start: { dateTime: start.toISOString() }, end: { dateTime: end.toISOString() } }),
      cancel: (id) => s.emu.google.state.deleteEvent(a.email, id),
      shorten: (id, _first, count) => void s.emu.google.state.patchEvent(a.email, id, { recurrence: [`RRULE:FREQ=WEEKLY;COUNT=${count}`] }),
      remove: (id) => s.emu.google.state.deleteEvent(a.email, id),
    };
  }

  /** The user's events as externalEvents shows them over the next 60 days: "title start-end [all-day]". */
  async function shown(userId: string, locationId: string, from = new Date(Date.now() - day)) {
    const r = await s.t.gql(ExternalEventsDocument, { locationId, from: from.toISOString(), to: at(from, 60 * day).toISOString() }, s.t.tokenFor(userId));
    expect(r.errors).toBeUndefined();
    return r.data!.externalEvents.map((e) => `${e.title} ${e.startTime} ${e.endTime}${e.isAllDay ? ' all-day' : ''}`).sort();
  }
  const line = (title: string, start: Date, minutes = 60) => `${title} ${start.toISOString()} ${at(start, minutes * 60_000).toISOString()}`;

  async function sync(calendarId: string, full = false) {
    await s.t.app.services.sync.syncCalendars([calendarId], { full });
    await s.t.app.whenIdle();
  }

  test.each<Provider>(['OUTLOOK', 'GOOGLE'])('%s: a recurring series: one row per occurrence; a moved and a cancelled one applied; shortened, then deleted, it leaves nothing behind', async (provider) => {
    const w = await newTenant(s.ds());
    const cal = seriesCalendar(provider);
    const first = mondayAfter(2);
    const week = (n: number) => at(first, n * 7 * day);
    const seriesId = cal.weekly('Weekly', first, 6);
    const conn = await s.flow.connected(w.userA, w.locA, provider, cal.login);
    const calendarId = conn.calendars.find((c) => c.isDefault)!.id;
    expect(await shown(w.userA, w.locA)).toEqual([0, 1, 2, 3, 4, 5].map((n) => line('Weekly', week(n))));

    // The second occurrence moves to Tuesday 14:00 for 90 minutes, the third is cancelled.
    const occurrence = async (start: Date) =>
      (await s.ds().query(`SELECT external_id FROM external_events WHERE provider_calendar_id = $1 AND start_time = $2`, [calendarId, start]))[0].external_id as string;
    const [second, third] = [await occurrence(week(1)), await occurrence(week(2))];
    const moved = at(week(1), day + 4 * 3600_000);
    cal.move(second, moved, at(moved, 90 * 60_000));
    cal.cancel(third);
    await sync(calendarId);
    const withExceptions = [line('Weekly', week(0)), line('Weekly', moved, 90), ...[3, 4, 5].map((n) => line('Weekly', week(n)))].sort();
    expect(await shown(w.userA, w.locA)).toEqual(withExceptions);
    // A full read of the window finds the same: the exceptions are the provider's, not only our incremental view.
    await sync(calendarId, true);
    expect(await shown(w.userA, w.locA)).toEqual(withExceptions);

    // Shortened to four occurrences: the fifth and sixth go (incrementally). Google keeps the exceptions; Outlook
    // drops every exception of a series whose pattern changes, so its four occurrences are back as they were.
    cal.shorten(seriesId, first, 4);
    await sync(calendarId);
    const shortened = provider === 'GOOGLE' ? [line('Weekly', week(0)), line('Weekly', moved, 90), line('Weekly', week(3))] : [0, 1, 2, 3].map((n) => line('Weekly', week(n)));
    expect(await shown(w.userA, w.locA)).toEqual(shortened.sort());

    cal.remove(seriesId);
    await sync(calendarId);
    expect(await shown(w.userA, w.locA)).toEqual([]);
    const [{ n }] = await s.ds().query(`SELECT count(*)::int AS n FROM external_events WHERE provider_calendar_id = $1`, [calendarId]);
    expect(n).toBe(0);
  });

  test('OUTLOOK: all-day events span midnight to midnight in their own zone, whatever the zone', async () => {
    const w = await newTenant(s.ds());
    const a = s.emu.microsoft.addAccount({ email: uniqueEmail('allday', 'contoso-fidelity.test') });
    const date = DateTime.utc().plus({ days: 10 }).toISODate()!;
    const next = DateTime.fromISO(date).plus({ days: 1 }).toISODate()!;
    const allDay = (title: string, zone: string) =>
      s.emu.microsoft.state.createEvent(a.defaultCalendarId, { subject: title, isAllDay: true, showAs: 'oof', start: { dateTime: `${date}T00:00:00`, timeZone: zone }, end: { dateTime: `${next}T00:00:00`, timeZone: zone } });
    allDay('Tokyo holiday', 'Tokyo Standard Time');
    allDay('Pacific holiday', 'Pacific Standard Time');
    allDay('UTC holiday', 'UTC');
    await s.flow.connected(w.userA, w.locA, 'OUTLOOK', a.userPrincipalName);
    expect(await shown(w.userA, w.locA)).toEqual(
      [
        `Pacific holiday ${midnight(date, 'America/Los_Angeles')} ${midnight(next, 'America/Los_Angeles')} all-day`,
        `Tokyo holiday ${midnight(date, 'Asia/Tokyo')} ${midnight(next, 'Asia/Tokyo')} all-day`,
        `UTC holiday ${midnight(date, 'UTC')} ${midnight(next, 'UTC')} all-day`,
      ].sort(),
    );
  });

  test('GOOGLE: all-day events span midnight to midnight in their calendar’s zone, for calendars in different zones', async () => {
    const w = await newTenant(s.ds());
    const me = s.emu.google.addAccount({ email: uniqueEmail('allday', 'gmail.test'), timeZone: 'Pacific/Auckland', calendars: [{ summary: 'Los Angeles team', timeZone: 'America/Los_Angeles' }] });
    const la = [...me.calendars.values()].map((c) => c.calendarId).find((id) => id !== me.email)!;
    const date = DateTime.utc().plus({ days: 10 }).toISODate()!;
    const next = DateTime.fromISO(date).plus({ days: 1 }).toISODate()!;
    s.emu.google.state.insertEvent(me.email, { summary: 'Auckland holiday', start: { date }, end: { date: next } });
    s.emu.google.state.insertEvent(la, { summary: 'LA holiday', start: { date }, end: { date: next } });
    const conn = await s.flow.connected(w.userA, w.locA, 'GOOGLE', me.email);
    expect(conn.calendars.map((c) => c.name).sort()).toEqual(['Los Angeles team', me.email].sort());
    const r = await s.t.gql(UpdateCalendarConfigurationDocument, { input: { locationId: w.locA, conflictCalendarIds: conn.calendars.map((c) => c.id) } }, s.t.tokenFor(w.userA));
    expect(r.errors).toBeUndefined();
    await s.t.app.whenIdle();
    expect(await shown(w.userA, w.locA)).toEqual(
      [
        `Auckland holiday ${midnight(date, 'Pacific/Auckland')} ${midnight(next, 'Pacific/Auckland')} all-day`,
        `LA holiday ${midnight(date, 'America/Los_Angeles')} ${midnight(next, 'America/Los_Angeles')} all-day`,
      ].sort(),
    );
  });
});
