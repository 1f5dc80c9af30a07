import { DateTime } from 'luxon';
import { FreeSlotsDocument, Provider, RescheduleAppointmentDocument, ResyncConnectionDocument } from '../generated/graphql';
import { useEmulatedService } from '../support/emulated-service';
import { book, heldEvents, iso, linkedMember, NOW, NY, ok } from '../support/outbox-world';
import { eventually } from '../support/eventually';
import { googleEvent, outlookEvent } from '../support/provider-events';
import { codeOf, startTestApp, TestApp } from '../support/test-app';

// Availability from events synced off the providers, end to end: an event made at the provider is synced and
// then blocks; the service's own event (the appointment written to a calendar that is also a conflict calendar)
// never blocks the appointment it belongs to.

const hhmm = (s: string) => DateTime.fromISO(s, { zone: NY }).toFormat('HH:mm');

describe('busy time synced from the providers', () => {
  const s = useEmulatedService({ env: { BOOKING_FRESHNESS_TIMEOUT_MS: '500' }, now: NOW });

  const slots = async (calendarId: string, userId: string) =>
    ok(await s.t.gql(FreeSlotsDocument, { calendarId, from: iso('2030-06-03T09:00'), to: iso('2030-06-03T12:00') }, s.t.tokenFor(userId))).freeSlots.map((slot) => hhmm(slot.startTime));

  test.each<Provider>(['GOOGLE', 'OUTLOOK'])('%s: an event added at the provider, once synced, takes its slot; booking it is SLOT_UNAVAILABLE', async (provider) => {
    const m = await linkedMember(s.t, s.emu, s.flow, provider, { conflict: true });
    const e = { title: 'Dentist', start: new Date(iso('2030-06-03T10:00')), end: new Date(iso('2030-06-03T10:30')) };
    if (provider === 'OUTLOOK') outlookEvent(s.emu, m.calendarExternalId, e);
    else googleEvent(s.emu, m.calendarExternalId, e);
    ok(await s.t.gql(ResyncConnectionDocument, { connectionId: m.connectionId }, s.t.tokenFor(m.userId)));
    await s.t.app.whenIdle();
    expect(await slots(m.crmCalendarId, m.userId)).not.toContain('10:00');
    expect(codeOf(await book(s.t, m, '2030-06-03T10:00'))).toBe('SLOT_UNAVAILABLE');
  });

  test.each<Provider>(['GOOGLE', 'OUTLOOK'])("%s: an appointment's own synced event never blocks it (a reschedule overlapping its old time)", async (provider) => {
    const m = await linkedMember(s.t, s.emu, s.flow, provider, { conflict: true, slotMinutes: 60 });
    await s.t.app.ds.query(`UPDATE calendars SET slot_interval_minutes = 30 WHERE id = $1`, [m.crmCalendarId]);
    const a = ok(await book(s.t, m, '2030-06-03T10:00')).bookAppointment;
    await s.t.app.services.outbox.whenIdle();
    ok(await s.t.gql(ResyncConnectionDocument, { connectionId: m.connectionId }, s.t.tokenFor(m.userId)));
    await s.t.app.whenIdle();
    const [{ n }] = await s.t.app.ds.query(`SELECT count(*)::int AS n FROM external_events WHERE provider_calendar_id = $1 AND client_key IS NOT NULL`, [m.providerCalendarId]);
    expect(n).toBe(1);
    // 10:30-11:30 overlaps the synced event at 10:00-11:00, which is the appointment's own.
    const moved = ok(await s.t.gql(RescheduleAppointmentDocument, { id: a.id, startTime: iso('2030-06-03T10:30') }, s.t.tokenFor(m.userId))).rescheduleAppointment;
    expect(moved.startTime).toBe(iso('2030-06-03T10:30'));
    await s.t.app.services.outbox.whenIdle();
    expect(heldEvents(s.emu, m)).toEqual([expect.objectContaining({ start: new Date(iso('2030-06-03T10:30')) })]);
  });

  describe('freshness before booking', () => {
  /**
   * A member whose conflict calendar was synced at NOW, with a busy event added at the provider since. With push,
   * the provider notifies us of that event and the sync it starts has landed (at NOW) before this returns: a test
   * counting provider reads then counts only its own.
   */
  async function staleMember(provider: Provider, opts: { push?: boolean } = {}) {
    const m = await linkedMember(s.t, s.emu, s.flow, provider, { conflict: true });
    // The configuration's first sync and push setup run as jobs.
    await s.t.app.whenIdle();
    // Push unavailable, or active for a day from the test clock.
    if (opts.push) {
      const [{ n }] = await s.t.app.ds.query(`SELECT count(*)::int AS n FROM push_channels WHERE provider_calendar_id = $1`, [m.providerCalendarId]);
      expect(n).toBe(1);
      await s.t.app.ds.query(`UPDATE push_channels SET expires_at = $2 WHERE provider_calendar_id = $1`, [m.providerCalendarId, new Date(NOW.getTime() + 86_400_000)]);
    } else {
      await s.t.app.ds.query(`DELETE FROM push_channels WHERE provider_calendar_id = $1`, [m.providerCalendarId]);
    }
    const e = { title: 'Added a moment ago', start: new Date(iso('2030-06-03T10:00')), end: new Date(iso('2030-06-03T10:30')) };
    const eventId = provider === 'OUTLOOK' ? outlookEvent(s.emu, m.calendarExternalId, e) : googleEvent(s.emu, m.calendarExternalId, e);
    if (opts.push) {
      // The notice is handled after the webhook answered, so the signal is the event stored, then the queue drained.
      await eventually(() => storedEvents(m.providerCalendarId, eventId), (n) => n === 1);
      await s.t.app.whenIdle();
    }
    return m;
  }
  const storedEvents = async (providerCalendarId: string, externalId: string) =>
    (await s.t.app.ds.query(`SELECT count(*)::int AS n FROM external_events WHERE provider_calendar_id = $1 AND external_id = $2`, [providerCalendarId, externalId]))[0].n as number;
  const reads = (m: { provider: Provider; account: string }) =>
    m.provider === 'OUTLOOK'
      ? s.emu.microsoft.requestLog.list({ account: m.account, method: 'GET', path: /calendarView|delta|\/events/ }).length
      : s.emu.google.requestLog.entries.filter((e) => e.account === m.account && e.method === 'GET' && /\/events$/.test(e.path)).length;
  const later = (seconds: number) => (s.t.app.services.clock.now = () => new Date(NOW.getTime() + seconds * 1000));

  test.each<Provider>(['GOOGLE', 'OUTLOOK'])('%s: without push and synced over 120 s ago, the calendar is synced before the booking, which sees the new event', async (provider) => {
    const m = await staleMember(provider);
    later(121);
    expect(codeOf(await book(s.t, m, '2030-06-03T10:00'))).toBe('SLOT_UNAVAILABLE');
    // The sync stored it: freeSlots shows it too.
    expect(await freeAt(s.t, m)).not.toContain('10:00');
  });

  test('synced less than 120 s ago: no provider call, the booking decides on local data', async () => {
    const m = await staleMember('GOOGLE');
    later(119);
    const before = reads(m);
    ok(await book(s.t, m, '2030-06-03T10:00'));
    expect(reads(m)).toBe(before);
  });

  test('with active push the calendar counts as fresh however old its last sync', async () => {
    const m = await staleMember('GOOGLE', { push: true });
    later(3_600);
    const before = reads(m);
    // 10:00 is the pushed event's (synced at NOW, an hour before this booking); the slot after it is free.
    ok(await book(s.t, m, '2030-06-03T10:30'));
    expect(reads(m)).toBe(before);
  });

  test('a provider that does not answer delays the booking by the bound only (BOOKING_FRESHNESS_TIMEOUT_MS)', async () => {
    const m = await staleMember('GOOGLE');
    s.emu.google.faults.add({ fault: { type: 'delay', ms: 3_000 }, route: /\/events$/, method: 'GET', account: m.account, times: 1 });
    later(600);
    const before = reads(m);
    ok(await book(s.t, m, '2030-06-03T10:00'));
    // The read reached Google (its delay fault is taken), and the emulator logs a request when it answers it: Google
    // had not answered yet, so the booking did not wait for it.
    expect(s.emu.google.faults.list()).toEqual([]);
    expect(reads(m)).toBe(before);
    await s.t.app.whenIdle();
  });

  test('the sync a booking stopped waiting for ends with the service: the calendar is not left leased (synced again at once, not in minutes)', async () => {
    const m = await staleMember('GOOGLE');
    s.emu.google.faults.add({ fault: { type: 'delay', ms: 3_000 }, route: /\/events$/, method: 'GET', account: m.account, times: 1 });
    // A second instance on the same database, stopped while the sync it started for a booking still waits for Google.
    const other = await startTestApp({ ...s.emu.env, BOOKING_FRESHNESS_TIMEOUT_MS: '500' }, s.t.app.config.DATABASE_URL);
    try {
      other.app.services.clock.now = () => new Date(NOW.getTime() + 600_000);
      ok(await book(other, m, '2030-06-03T10:00'));
    } finally {
      await other.stop();
    }
    const [state] = await s.t.app.ds.query(`SELECT lease_owner FROM calendar_sync_states WHERE provider_calendar_id = $1`, [m.providerCalendarId]);
    expect(state.lease_owner).toBeNull();
  });
  });
});

async function freeAt(t: TestApp, m: { crmCalendarId: string; userId: string }): Promise<string[]> {
  return ok(await t.gql(FreeSlotsDocument, { calendarId: m.crmCalendarId, from: iso('2030-06-03T09:00'), to: iso('2030-06-03T12:00') }, t.tokenFor(m.userId))).freeSlots.map((s) => hhmm(s.startTime));
}
