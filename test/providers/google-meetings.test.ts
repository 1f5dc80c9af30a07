// Google Meet, attendees and descriptions through the Google driver, against the Google emulator.
import type { GoogleEmulator } from '../../emulators/google';
import type { EventWrite } from '../../src/providers/calendar-provider';
import type { GoogleCalendarDriver } from '../../src/providers/google/google.driver';
import { connect, startGoogle, uniqueEmail } from './google.harness';

let emu: GoogleEmulator;
let driver: GoogleCalendarDriver;

beforeAll(async () => {
  ({ emu, driver } = await startGoogle());
});
afterAll(() => emu.close());

async function newAccount(label: string) {
  const email = uniqueEmail(label);
  emu.addAccount({ email, timeZone: 'Europe/Berlin' });
  return { email, tokens: await connect(driver, email) };
}

const MEET_URL = /^https:\/\/meet\.google\.com\/[a-z]{3}-[a-z]{4}-[a-z]{3}$/;
const write: EventWrite = {
  title: 'Kick-off with ACME',
  description: 'Agenda: scope & timeline',
  start: new Date('2025-06-02T08:00:00Z'),
  end: new Date('2025-06-02T08:45:00Z'),
  timeZone: 'Europe/Berlin',
  attendeeEmails: ['client@acme.example', 'assistant@acme.example'],
  meeting: 'GOOGLE_MEET',
};
const writesOf = (email: string) => emu.requestLog.entries.filter((e) => e.account === email && e.method !== 'GET' && e.path.includes('/events'));

describe('Google Meet', () => {
  it('creates the event with a Meet conference and returns its link; attendees (invited by email) and description are on the event', async () => {
    const { email, tokens } = await newAccount('meet');
    const written = await driver.createEvent(tokens, email, write, 'appt-1:v1');
    expect(written.meetingUrl).toMatch(MEET_URL);
    expect(written.meetingError).toBeNull();

    const stored = emu.state.getEvent(email, written.externalId);
    expect(stored.hangoutLink).toBe(written.meetingUrl);
    expect(stored.conferenceData).toMatchObject({
      createRequest: { conferenceSolutionKey: { type: 'hangoutsMeet' }, status: { statusCode: 'success' } },
      entryPoints: [{ entryPointType: 'video', uri: written.meetingUrl }],
    });
    expect(stored.description).toBe('Agenda: scope & timeline');
    expect(stored.attendees?.map((a) => [a.email, a.responseStatus])).toEqual([
      ['client@acme.example', 'needsAction'],
      ['assistant@acme.example', 'needsAction'],
    ]);
    // conferenceDataVersion=1 or Google ignores the createRequest; sendUpdates=all or the attendees get no email
    const [insert] = writesOf(email);
    expect(new URLSearchParams(insert.query).get('conferenceDataVersion')).toBe('1');
    expect(new URLSearchParams(insert.query).get('sendUpdates')).toBe('all');
  });

  it('a create retried after a lost answer leaves one event with the same Meet link', async () => {
    const { email, tokens } = await newAccount('meet-retry');
    emu.faults.add({ fault: { type: 'dropAfterProcessing' }, method: 'POST', route: '/events', account: email });
    emu.requestLog.clear();
    const written = await driver.createEvent(tokens, email, write, 'appt-2:v1');
    expect(emu.requestLog.entries.filter((e) => e.account === email).map((e) => `${e.method} ${e.status}`)).toEqual(['POST null', 'POST 409', 'GET 200']);

    const stored = emu.state.events(email);
    expect(stored).toHaveLength(1);
    expect(written.meetingUrl).toMatch(MEET_URL);
    expect(written.meetingUrl).toBe(stored[0].hangoutLink);

    // the outbox replaying the job: still one event, same link
    expect(await driver.createEvent(tokens, email, write, 'appt-2:v1')).toEqual(written);
    expect(emu.state.events(email)).toHaveLength(1);
  });

  it('a reschedule keeps the conference and its link', async () => {
    const { email, tokens } = await newAccount('meet-move');
    const created = await driver.createEvent(tokens, email, write, 'appt-3:v1');
    const moved = { start: new Date('2025-06-03T12:00:00Z'), end: new Date('2025-06-03T12:45:00Z') };
    const updated = await driver.updateEvent(tokens, email, created.externalId, { ...write, ...moved });
    expect(updated).toMatchObject({ externalId: created.externalId, meetingUrl: created.meetingUrl, meetingError: null });
    expect(updated.version).not.toBe(created.version);
    expect(emu.state.getEvent(email, created.externalId)).toMatchObject({ startMs: moved.start.getTime(), hangoutLink: created.meetingUrl, description: 'Agenda: scope & timeline' });
    expect(new URLSearchParams(writesOf(email)[1].query).get('sendUpdates')).toBe('all');
  });

  it('adds a conference on an update of an event that had none', async () => {
    const { email, tokens } = await newAccount('meet-later');
    const created = await driver.createEvent(tokens, email, { ...write, meeting: 'NONE' }, 'appt-4:v1');
    expect(created).toMatchObject({ meetingUrl: null, meetingError: null });
    expect(emu.state.getEvent(email, created.externalId).conferenceData).toBeUndefined();
    const updated = await driver.updateEvent(tokens, email, created.externalId, write);
    expect(updated.meetingUrl).toMatch(MEET_URL);
  });
});

describe('attendees, description and the wrong provider', () => {
  it('an update replaces the attendees and description, or leaves them when not given; a cancel tells the attendees', async () => {
    const { email, tokens } = await newAccount('attendees');
    const plain: EventWrite = { ...write, meeting: 'NONE' };
    const created = await driver.createEvent(tokens, email, plain, 'appt-5:v1');
    await driver.updateEvent(tokens, email, created.externalId, { ...plain, attendeeEmails: ['new@acme.example'], description: 'Moved to Tuesday' });
    expect(emu.state.getEvent(email, created.externalId)).toMatchObject({ description: 'Moved to Tuesday', attendees: [expect.objectContaining({ email: 'new@acme.example' })] });

    const { attendeeEmails: _a, description: _d, ...timesOnly } = plain;
    await driver.updateEvent(tokens, email, created.externalId, { ...timesOnly, start: new Date('2025-06-04T08:00:00Z'), end: new Date('2025-06-04T08:45:00Z') });
    expect(emu.state.getEvent(email, created.externalId)).toMatchObject({ description: 'Moved to Tuesday', attendees: [expect.objectContaining({ email: 'new@acme.example' })] });

    await driver.deleteEvent(tokens, email, created.externalId);
    const deletion = writesOf(email).find((e) => e.method === 'DELETE')!;
    expect(new URLSearchParams(deletion.query).get('sendUpdates')).toBe('all');
  });

  it('writes the event without a link when Teams is asked of a Google calendar', async () => {
    const { email, tokens } = await newAccount('teams-on-google');
    const written = await driver.createEvent(tokens, email, { ...write, meeting: 'TEAMS' }, 'appt-6:v1');
    expect(written).toMatchObject({ meetingUrl: null, meetingError: 'Teams meetings can only be created in an Outlook calendar; the event was written to a Google calendar without a meeting link.' });
    expect(emu.state.events(email)).toHaveLength(1);
  });
});
