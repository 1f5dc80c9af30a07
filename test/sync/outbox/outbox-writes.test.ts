import { AppointmentsDocument, CancelAppointmentDocument, Provider, RescheduleAppointmentDocument } from '../../generated/graphql';
import { useEmulatedService } from '../../support/emulated-service';
import { book, heldEvents, iso, LinkedMember, linkedMember, NOW, ok } from '../../support/outbox-world';

// The outbox against both emulators (PRODUCT.md "Sync", docs/booking.md "The outbox"): a booking lands in the
// participant's linked calendar once, with its body, attendees and meeting link; a reschedule moves that event;
// a cancel removes it.

describe('the outbox writes appointments to the linked calendar', () => {
  const s = useEmulatedService({ now: NOW });

  const appointment = async (m: LinkedMember, id: string) =>
    ok(await s.t.gql(AppointmentsDocument, { locationId: m.locationId, from: iso('2030-06-01T00:00'), to: iso('2030-06-30T00:00') }, s.t.tokenFor(m.userId))).appointments.find((a) => a.id === id)!;

  test.each<[Provider, string]>([
    ['GOOGLE', 'https://meet.google.com/'],
    ['OUTLOOK', 'https://teams.microsoft.com/'],
  ])('%s: book → one event with body, attendees and a meeting link; reschedule moves it; cancel removes it', async (provider, meetPrefix) => {
    const m = await linkedMember(s.t, s.emu, s.flow, provider, { meetingProvider: 'AUTO' });
    const booked = ok(await book(s.t, m, '2030-06-03T10:00', { description: 'About the offer', attendeeEmails: ['client@example.com'] })).bookAppointment;
    expect(booked.writes).toEqual([{ user: { id: m.userId }, state: 'PENDING', providerCalendar: { id: m.providerCalendarId }, error: null }]);
    await s.t.app.services.outbox.whenIdle();

    const [event, ...others] = heldEvents(s.emu, m);
    expect(others).toEqual([]);
    expect(event).toMatchObject({ title: 'Intro call', start: new Date(iso('2030-06-03T10:00')), end: new Date(iso('2030-06-03T10:30')), attendees: ['client@example.com'] });
    expect(event.body).toContain('About the offer');
    expect(event.meetingUrl).toMatch(new RegExp(`^${meetPrefix.replace(/\./g, '\\.')}`));
    const written = await appointment(m, booked.id);
    expect(written).toMatchObject({ providerWriteState: 'WRITTEN', meetingUrl: event.meetingUrl, writes: [{ state: 'WRITTEN', providerCalendar: { id: m.providerCalendarId }, error: null }] });

    ok(await s.t.gql(RescheduleAppointmentDocument, { id: booked.id, startTime: iso('2030-06-04T14:00') }, s.t.tokenFor(m.userId)));
    await s.t.app.services.outbox.whenIdle();
    const moved = heldEvents(s.emu, m);
    expect(moved).toEqual([expect.objectContaining({ id: event.id, start: new Date(iso('2030-06-04T14:00')), end: new Date(iso('2030-06-04T14:30')), meetingUrl: event.meetingUrl })]);
    expect(await appointment(m, booked.id)).toMatchObject({ providerWriteState: 'WRITTEN', meetingUrl: event.meetingUrl });

    ok(await s.t.gql(CancelAppointmentDocument, { id: booked.id }, s.t.tokenFor(m.userId)));
    await s.t.app.services.outbox.whenIdle();
    expect(heldEvents(s.emu, m)).toEqual([]);
    expect(await appointment(m, booked.id)).toMatchObject({ status: 'CANCELLED', providerWriteState: 'WRITTEN' });
  });
});
