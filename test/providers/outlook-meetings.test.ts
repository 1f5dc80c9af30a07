// Teams meetings, attendees and bodies through the Outlook driver, against the Microsoft emulator.
import { startMicrosoftEmulator, type AccountInput, type MicrosoftEmulator } from '../../emulators/microsoft';
import type { EventWrite } from '../../src/providers/calendar-provider';
import type { OutlookDriver } from '../../src/providers/outlook/outlook.driver';
import { connect, driverFor, uniqueEmail } from './outlook.test-kit';

let emulator: MicrosoftEmulator;
let driver: OutlookDriver;

beforeAll(async () => {
  emulator = await startMicrosoftEmulator({ seedDemo: false });
  driver = driverFor(emulator);
});

afterAll(async () => {
  driver.close();
  await emulator.close();
});

async function newUser(kind: AccountInput['kind'] = 'work', extra: Partial<AccountInput> = {}) {
  const account = emulator.addAccount({ email: uniqueEmail(kind ?? 'work', kind === 'personal' ? 'outlook.com' : 'contoso.com'), kind, ...extra });
  const tokens = await connect(emulator, driver, account.userPrincipalName);
  return { account, tokens, calendarId: account.defaultCalendarId };
}

const TEAMS_URL = /^https:\/\/teams\.microsoft\.com\/l\/meetup-join\/19%3ameeting_[\w-]+%40thread\.v2\/0\?context=/;
const write: EventWrite = {
  title: 'Kick-off with ACME',
  description: 'Agenda: scope & timeline',
  start: new Date('2030-05-06T09:00:00Z'),
  end: new Date('2030-05-06T09:45:00Z'),
  timeZone: 'Europe/Berlin',
  attendeeEmails: ['client@acme.example', 'assistant@acme.example'],
  meeting: 'TEAMS',
};

describe('Teams meetings', () => {
  it('creates the event as a Teams meeting and returns its join link; attendees and description are on the event', async () => {
    const { calendarId, tokens } = await newUser();
    const written = await driver.createEvent(tokens, calendarId, write, 'appt-1:v1');
    expect(written.meetingUrl).toMatch(TEAMS_URL);
    expect(written.meetingError).toBeNull();

    const [stored] = emulator.state.eventsIn(calendarId);
    expect(stored.onlineMeeting?.joinUrl).toBe(written.meetingUrl);
    expect(stored.attendees?.map((a) => [a.emailAddress.address, a.type])).toEqual([
      ['client@acme.example', 'required'],
      ['assistant@acme.example', 'required'],
    ]);
    // Graph puts the join block under the organizer's text
    expect(stored.bodyContentType).toBe('html');
    expect(stored.bodyContent).toContain('Agenda: scope &amp; timeline');
    expect(stored.bodyContent).toContain('Join Microsoft Teams Meeting');
  });

  it('writes a personal account\'s event without a link and says why', async () => {
    const { calendarId, tokens } = await newUser('personal');
    const written = await driver.createEvent(tokens, calendarId, write, 'appt-2:v1');
    expect(written.meetingUrl).toBeNull();
    expect(written.meetingError).toBe('Teams meetings are not available for personal Microsoft accounts; the event was written without a meeting link.');

    const stored = emulator.state.eventsIn(calendarId);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ id: written.externalId, subject: 'Kick-off with ACME', onlineMeeting: null, bodyContent: 'Agenda: scope & timeline' });
    expect(stored[0].attendees).toHaveLength(2);
  });

  it('writes a work account without Teams without a link, with its own reason', async () => {
    const { calendarId, tokens } = await newUser('work', { teams: false });
    const written = await driver.createEvent(tokens, calendarId, write, 'appt-3:v1');
    expect(written).toMatchObject({ meetingUrl: null, meetingError: 'This Microsoft account cannot host Teams meetings (Teams is not enabled for it); the event was written without a meeting link.' });
    expect(emulator.state.eventsIn(calendarId)).toHaveLength(1);
  });

  it('a create retried after a lost answer leaves one event with the same join link', async () => {
    const { account, calendarId, tokens } = await newUser();
    emulator.addFault({ kind: 'dropAfterProcessing', account: account.id, route: 'POST /v1.0/me/calendars/*/events', times: 1 });
    const written = await driver.createEvent(tokens, calendarId, write, 'appt-4:v1');
    expect(emulator.requestLog.list({ account: account.userPrincipalName, method: 'POST', path: /\/events$/ }).map((a) => a.status)).toEqual([0, 201]);

    const stored = emulator.state.eventsIn(calendarId);
    expect(stored).toHaveLength(1);
    expect(written.meetingUrl).toMatch(TEAMS_URL);
    expect(written.meetingUrl).toBe(stored[0].onlineMeeting?.joinUrl);

    // the outbox replaying the job: still one event, same link
    expect(await driver.createEvent(tokens, calendarId, write, 'appt-4:v1')).toEqual(written);
    expect(emulator.state.eventsIn(calendarId)).toHaveLength(1);
  });

  it('a reschedule keeps the meeting and its join link (the body, which holds the join block, is not rewritten)', async () => {
    const { calendarId, tokens } = await newUser();
    const created = await driver.createEvent(tokens, calendarId, write, 'appt-5:v1');
    const moved = { start: new Date('2030-05-07T13:00:00Z'), end: new Date('2030-05-07T13:45:00Z') };
    const updated = await driver.updateEvent(tokens, calendarId, created.externalId, { ...write, ...moved });
    expect(updated).toMatchObject({ externalId: created.externalId, meetingUrl: created.meetingUrl, meetingError: null });
    expect(updated.version).not.toBe(created.version);

    const [stored] = emulator.state.eventsIn(calendarId);
    expect(stored).toMatchObject({ startMs: moved.start.getTime(), endMs: moved.end.getTime() });
    expect(stored.onlineMeeting?.joinUrl).toBe(created.meetingUrl);
    expect(stored.bodyContent).toContain(created.meetingUrl!.slice(0, 60));
  });

  it('asks Graph for a meeting on an update of an event that had none', async () => {
    const { calendarId, tokens } = await newUser();
    const created = await driver.createEvent(tokens, calendarId, { ...write, meeting: 'NONE' }, 'appt-6:v1');
    expect(created).toMatchObject({ meetingUrl: null, meetingError: null });
    const updated = await driver.updateEvent(tokens, calendarId, created.externalId, write);
    expect(updated.meetingUrl).toMatch(TEAMS_URL);
  });
});

describe('attendees, body and the wrong provider', () => {
  it('writes a plain event with its description as text and its attendees; an update replaces the attendees, or leaves them when not given', async () => {
    const { calendarId, tokens } = await newUser();
    const plain: EventWrite = { ...write, meeting: 'NONE' };
    const created = await driver.createEvent(tokens, calendarId, plain, 'appt-7:v1');
    expect(created).toMatchObject({ meetingUrl: null, meetingError: null });
    expect(emulator.state.eventsIn(calendarId)[0]).toMatchObject({ bodyContentType: 'text', bodyContent: 'Agenda: scope & timeline', onlineMeeting: null });

    await driver.updateEvent(tokens, calendarId, created.externalId, { ...plain, attendeeEmails: ['new@acme.example'], description: 'Moved to Tuesday' });
    expect(emulator.state.eventsIn(calendarId)[0]).toMatchObject({ bodyContent: 'Moved to Tuesday', attendees: [expect.objectContaining({ emailAddress: { name: 'new@acme.example', address: 'new@acme.example' } })] });

    const { attendeeEmails: _a, description: _d, ...timesOnly } = plain;
    await driver.updateEvent(tokens, calendarId, created.externalId, { ...timesOnly, start: new Date('2030-05-08T09:00:00Z'), end: new Date('2030-05-08T09:45:00Z') });
    expect(emulator.state.eventsIn(calendarId)[0]).toMatchObject({ bodyContent: 'Moved to Tuesday', attendees: [expect.objectContaining({ emailAddress: expect.objectContaining({ address: 'new@acme.example' }) })] });
  });

  it('writes the event without a link when Google Meet is asked of an Outlook calendar', async () => {
    const { calendarId, tokens } = await newUser();
    const written = await driver.createEvent(tokens, calendarId, { ...write, meeting: 'GOOGLE_MEET' }, 'appt-8:v1');
    expect(written).toMatchObject({ meetingUrl: null, meetingError: 'Google Meet links can only be created in a Google calendar; the event was written to an Outlook calendar without a meeting link.' });
    expect(emulator.state.eventsIn(calendarId)).toHaveLength(1);
  });
});
