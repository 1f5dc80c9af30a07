import { AppointmentsDocument, MeetingProvider, Provider, UpdateCalendarConfigurationDocument, UpdateCalendarSettingsDocument } from '../../generated/graphql';
import { MEETING_ERRORS } from '../../../src/providers/shared/meeting-errors';
import { uniqueEmail } from '../../support/connect-flow';
import { useEmulatedService } from '../../support/emulated-service';
import { insertCalendar } from '../../support/fixtures';
import { book, heldEvents, iso, LinkedMember, linkedMember, NOW, NY, ok } from '../../support/outbox-world';

// Meeting links end to end (PRODUCT.md "Booking"): the calendar's meetingProvider, set through updateCalendar, makes
// the outbox create each participant's event as an online meeting, whose join link becomes Appointment.meetingUrl.
// Where the account cannot host the meeting asked for, the event is still written (WRITTEN) without a link, and
// the participant's write says why.

const TEAMS = /^https:\/\/teams\.microsoft\.com\/l\/meetup-join\//;
const MEET = /^https:\/\/meet\.google\.com\/[a-z]{3}-[a-z]{4}-[a-z]{3}$/;

describe('meeting links', () => {
  const s = useEmulatedService({ now: NOW });

  const listed = async (m: Pick<LinkedMember, 'locationId' | 'userId'>, id: string) =>
    ok(await s.t.gql(AppointmentsDocument, { locationId: m.locationId, from: iso('2030-06-01T00:00'), to: iso('2030-06-30T00:00') }, s.t.tokenFor(m.userId))).appointments.find((a) => a.id === id)!;

  async function setMeetingProvider(calendarId: string, meetingProvider: MeetingProvider, adminId: string): Promise<void> {
    const updated = ok(await s.t.gql(UpdateCalendarSettingsDocument, { input: { id: calendarId, meetingProvider } }, s.t.tokenFor(adminId))).updateCalendar;
    expect(updated.meetingProvider).toBe(meetingProvider);
  }

  test.each<[string, Provider, 'work' | 'personal', MeetingProvider, RegExp | null, string | null]>([
    ['TEAMS on an Outlook work account', 'OUTLOOK', 'work', 'TEAMS', TEAMS, null],
    ['AUTO on an Outlook work account (Teams)', 'OUTLOOK', 'work', 'AUTO', TEAMS, null],
    ['GOOGLE_MEET on Google', 'GOOGLE', 'work', 'GOOGLE_MEET', MEET, null],
    ['AUTO on Google (Meet)', 'GOOGLE', 'work', 'AUTO', MEET, null],
    ['TEAMS on a personal Microsoft account', 'OUTLOOK', 'personal', 'TEAMS', null, MEETING_ERRORS.teamsPersonal],
    ['AUTO on a personal Microsoft account', 'OUTLOOK', 'personal', 'AUTO', null, MEETING_ERRORS.teamsPersonal],
    ['TEAMS on Google', 'GOOGLE', 'work', 'TEAMS', null, MEETING_ERRORS.teamsOnGoogle],
    ['GOOGLE_MEET on Outlook', 'OUTLOOK', 'work', 'GOOGLE_MEET', null, MEETING_ERRORS.meetOnOutlook],
    ['NONE', 'OUTLOOK', 'work', 'NONE', null, null],
  ])('%s: book → written; meetingUrl and the write as the account allows', async (_name, provider, kind, meetingProvider, url, error) => {
    const m = await linkedMember(s.t, s.emu, s.flow, provider, { kind });
    await setMeetingProvider(m.crmCalendarId, meetingProvider, m.agencyAdminId);
    const booked = ok(await book(s.t, m, '2030-06-03T10:00')).bookAppointment;
    expect(booked).toMatchObject({ providerWriteState: 'PENDING', meetingUrl: null });
    await s.t.app.services.outbox.whenIdle();

    const a = await listed(m, booked.id);
    const [event, ...others] = heldEvents(s.emu, m);
    expect(others).toEqual([]);
    expect(a).toMatchObject({ providerWriteState: 'WRITTEN', writes: [{ user: { id: m.userId }, state: 'WRITTEN', providerCalendar: { id: m.providerCalendarId }, error }] });
    if (url) {
      expect(a.meetingUrl).toMatch(url);
      expect(event.meetingUrl).toBe(a.meetingUrl);
    } else {
      expect(a.meetingUrl).toBeNull();
      expect(event.meetingUrl).toBeNull();
    }
  });

  test('COLLECTIVE with AUTO: each participant gets the meeting of their own calendar; meetingUrl is the assigned member\'s', async () => {
    const outlook = await linkedMember(s.t, s.emu, s.flow, 'OUTLOOK');
    // A second account user of the same location, with a Google calendar.
    const [{ id: member2 }] = await s.t.app.ds.query(
      `SELECT u.id FROM users u JOIN location_members lm ON lm.user_id = u.id WHERE lm.location_id = $1 AND u.id <> $2 AND u.type = 'ACCOUNT' AND u.role = 'USER' LIMIT 1`,
      [outlook.locationId, outlook.userId],
    );
    const account = s.emu.google.addAccount({ email: uniqueEmail('meet', 'gmail.test'), timeZone: NY }).email;
    const conn = await s.flow.connected(member2, outlook.locationId, 'GOOGLE', account);
    const linked = conn.calendars.find((c) => c.isDefault)!;
    ok(await s.t.gql(UpdateCalendarConfigurationDocument, { input: { locationId: outlook.locationId, linkedCalendarId: linked.id, conflictCalendarIds: [] } }, s.t.tokenFor(member2)));
    const [{ external_id: googleCalendar }] = await s.t.app.ds.query(`SELECT external_id FROM provider_calendars WHERE id = $1`, [linked.id]);
    const calendarId = await insertCalendar(s.t.app.ds, outlook.agencyId, outlook.locationId, [outlook.userId, member2], 'COLLECTIVE', 30);
    await setMeetingProvider(calendarId, 'AUTO', outlook.agencyAdminId);

    const booked = ok(await book(s.t, { ...outlook, crmCalendarId: calendarId }, '2030-06-03T10:00')).bookAppointment;
    await s.t.app.services.outbox.whenIdle();

    const [teamsEvent] = heldEvents(s.emu, outlook);
    const [meetEvent] = heldEvents(s.emu, { provider: 'GOOGLE', calendarExternalId: googleCalendar });
    expect(teamsEvent.meetingUrl).toMatch(TEAMS);
    expect(meetEvent.meetingUrl).toMatch(MEET);
    const a = await listed(outlook, booked.id);
    expect(a.providerWriteState).toBe('WRITTEN');
    expect(a.writes.map((w) => [w.user.id, w.state, w.error]).sort()).toEqual(
      [
        [outlook.userId, 'WRITTEN', null],
        [member2, 'WRITTEN', null],
      ].sort(),
    );
    const [{ assigned_user_id }] = await s.t.app.ds.query(`SELECT assigned_user_id FROM appointments WHERE id = $1`, [booked.id]);
    expect(a.meetingUrl).toBe(assigned_user_id === outlook.userId ? teamsEvent.meetingUrl : meetEvent.meetingUrl);
  });
});
