import { Provider } from '../../../src/connections/connection.enums';
import { AppointmentStatus } from '../../../src/scheduling/booking/appointment.enums';
import { nextStep, resolveMeeting, toEventWrite, WriteProgress, writtenAfter } from '../../../src/sync/outbox/write-plan';

const { CONFIRMED, CANCELLED } = AppointmentStatus;
const fresh: WriteProgress = { version: 1, writtenVersion: null, externalEventId: null, createSentVersion: null };

describe('the outbox step for a participant (docs/booking.md "The outbox")', () => {
  test('booked, nothing written: create', () => {
    expect(nextStep(CONFIRMED, fresh)).toEqual({ op: 'CREATE' });
  });

  test('written and up to date: nothing', () => {
    expect(nextStep(CONFIRMED, { version: 1, writtenVersion: 1, externalEventId: 'e1', createSentVersion: 1 })).toEqual({ op: 'NONE' });
  });

  test('written, then rescheduled: update the event', () => {
    expect(nextStep(CONFIRMED, { version: 2, writtenVersion: 1, externalEventId: 'e1', createSentVersion: 1 })).toEqual({ op: 'UPDATE', externalEventId: 'e1' });
  });

  test('rescheduled before the create was written: create (at the new time)', () => {
    expect(nextStep(CONFIRMED, { version: 2, writtenVersion: null, externalEventId: null, createSentVersion: null })).toEqual({ op: 'CREATE' });
  });

  test('written, then cancelled: delete it', () => {
    expect(nextStep(CANCELLED, { version: 2, writtenVersion: 1, externalEventId: 'e1', createSentVersion: 1 })).toEqual({ op: 'DELETE', externalEventId: 'e1' });
  });

  test('cancelled before any create was sent: nothing, so no event is left', () => {
    expect(nextStep(CANCELLED, { version: 2, writtenVersion: null, externalEventId: null, createSentVersion: null })).toEqual({ op: 'NONE' });
  });

  test('cancelled after a create went out whose answer was lost: create with the same key (finds the event), then delete', () => {
    const lost: WriteProgress = { version: 2, writtenVersion: null, externalEventId: null, createSentVersion: 1 };
    expect(nextStep(CANCELLED, lost)).toEqual({ op: 'CREATE' });
    const found = { ...lost, externalEventId: 'e1', writtenVersion: writtenAfter({ op: 'CREATE' }, 2, 1) };
    expect(nextStep(CANCELLED, found)).toEqual({ op: 'DELETE', externalEventId: 'e1' });
    expect(nextStep(CANCELLED, { ...found, writtenVersion: 2 })).toEqual({ op: 'NONE' });
  });

  test('a reschedule during an in-flight create: the create records the old version, the next step updates to the new one', () => {
    // The worker created version 1; meanwhile the row moved to version 2.
    const afterCreate: WriteProgress = { version: 2, writtenVersion: writtenAfter({ op: 'CREATE' }, 1, 1), externalEventId: 'e1', createSentVersion: 1 };
    expect(afterCreate.writtenVersion).toBe(1);
    expect(nextStep(CONFIRMED, afterCreate)).toEqual({ op: 'UPDATE', externalEventId: 'e1' });
  });

  test("a retried create counts as the first attempt's version (the key may return what that attempt made)", () => {
    expect(writtenAfter({ op: 'CREATE' }, 3, 1)).toBe(1);
    expect(writtenAfter({ op: 'CREATE' }, 3, 3)).toBe(3);
    expect(writtenAfter({ op: 'UPDATE', externalEventId: 'e' }, 3, 1)).toBe(3);
    expect(writtenAfter({ op: 'DELETE', externalEventId: 'e' }, 4, 1)).toBe(4);
  });
});

describe('meeting provider of a participant', () => {
  test.each([
    ['NONE', Provider.OUTLOOK, 'NONE'],
    ['AUTO', Provider.OUTLOOK, 'TEAMS'],
    ['AUTO', Provider.GOOGLE, 'GOOGLE_MEET'],
    ['TEAMS', Provider.GOOGLE, 'TEAMS'],
    ['GOOGLE_MEET', Provider.OUTLOOK, 'GOOGLE_MEET'],
  ])('%s on %s → %s', (setting, provider, expected) => {
    expect(resolveMeeting(setting, provider)).toBe(expected);
  });

  test('the event carries title, body, times in the location zone, attendees and the meeting', () => {
    const start = new Date('2030-06-03T14:00:00Z');
    const end = new Date('2030-06-03T14:30:00Z');
    const content = { title: 'Intro', description: 'Agenda', start, end, timeZone: 'America/New_York', attendeeEmails: ['c@example.com'], meetingProvider: 'AUTO' };
    expect(toEventWrite(content, Provider.GOOGLE)).toEqual({ title: 'Intro', description: 'Agenda', start, end, timeZone: 'America/New_York', attendeeEmails: ['c@example.com'], meeting: 'GOOGLE_MEET' });
    expect(toEventWrite({ ...content, description: null }, Provider.OUTLOOK)).not.toHaveProperty('description');
  });
});
