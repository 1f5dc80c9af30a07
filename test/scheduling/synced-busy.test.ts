import { DateTime } from 'luxon';
import { FreeSlotsDocument, Provider, RescheduleAppointmentDocument, ResyncConnectionDocument } from '../generated/graphql';
import { ConnectFlow, Emulators, startEmulators } from '../support/connect-flow';
import { book, heldEvents, iso, linkedMember, NOW, NY, ok } from '../support/outbox-world';
import { googleEvent, outlookEvent } from '../support/provider-events';
import { codeOf, startTestApp, TestApp } from '../support/test-app';

// Availability from events synced off the providers, end to end: an event made at the provider is synced and
// then blocks; the service's own event (the appointment written to a calendar that is also a conflict calendar)
// never blocks the appointment it belongs to.

const hhmm = (s: string) => DateTime.fromISO(s, { zone: NY }).toFormat('HH:mm');

describe('busy time synced from the providers', () => {
  let t: TestApp;
  let emu: Emulators;
  let flow: ConnectFlow;

  beforeAll(async () => {
    emu = await startEmulators();
    t = await startTestApp(emu.env);
    t.app.services.clock.now = () => NOW;
    flow = new ConnectFlow(t, emu);
  });
  afterAll(async () => {
    await t?.stop();
    await emu?.close();
  });

  const slots = async (calendarId: string, userId: string) =>
    ok(await t.gql(FreeSlotsDocument, { calendarId, from: iso('2030-06-03T09:00'), to: iso('2030-06-03T12:00') }, t.tokenFor(userId))).freeSlots.map((s) => hhmm(s.startTime));

  test.each<Provider>(['GOOGLE', 'OUTLOOK'])('%s: an event added at the provider, once synced, takes its slot; booking it is SLOT_UNAVAILABLE', async (provider) => {
    const m = await linkedMember(t, emu, flow, provider, { conflict: true });
    const e = { title: 'Dentist', start: new Date(iso('2030-06-03T10:00')), end: new Date(iso('2030-06-03T10:30')) };
    if (provider === 'OUTLOOK') outlookEvent(emu, m.calendarExternalId, e);
    else googleEvent(emu, m.calendarExternalId, e);
    ok(await t.gql(ResyncConnectionDocument, { connectionId: m.connectionId }, t.tokenFor(m.userId)));
    await t.app.whenIdle();
    expect(await slots(m.crmCalendarId, m.userId)).not.toContain('10:00');
    expect(codeOf(await book(t, m, '2030-06-03T10:00'))).toBe('SLOT_UNAVAILABLE');
  });

  test.each<Provider>(['GOOGLE', 'OUTLOOK'])("%s: an appointment's own synced event never blocks it (a reschedule overlapping its old time)", async (provider) => {
    const m = await linkedMember(t, emu, flow, provider, { conflict: true, slotMinutes: 60 });
    await t.app.ds.query(`UPDATE calendars SET slot_interval_minutes = 30 WHERE id = $1`, [m.crmCalendarId]);
    const a = ok(await book(t, m, '2030-06-03T10:00')).bookAppointment;
    await t.app.services.outbox.whenIdle();
    ok(await t.gql(ResyncConnectionDocument, { connectionId: m.connectionId }, t.tokenFor(m.userId)));
    await t.app.whenIdle();
    const [{ n }] = await t.app.ds.query(`SELECT count(*)::int AS n FROM external_events WHERE provider_calendar_id = $1 AND client_key IS NOT NULL`, [m.providerCalendarId]);
    expect(n).toBe(1);
    // 10:30-11:30 overlaps the synced event at 10:00-11:00, which is the appointment's own.
    const moved = ok(await t.gql(RescheduleAppointmentDocument, { id: a.id, startTime: iso('2030-06-03T10:30') }, t.tokenFor(m.userId))).rescheduleAppointment;
    expect(moved.startTime).toBe(iso('2030-06-03T10:30'));
    await t.app.services.outbox.whenIdle();
    expect(heldEvents(emu, m)).toEqual([expect.objectContaining({ start: new Date(iso('2030-06-03T10:30')) })]);
  });
});
