// The pure halves of meeting writes: request bodies, and what a written event says about its meeting.
import { toGoogleEventBody } from '../../src/providers/google/google-event.mapper';
import { joinUrlOf, meetRequestIdFor, toWrittenEvent as googleWritten } from '../../src/providers/google/google-meeting.mapper';
import { toGraphEventBody } from '../../src/providers/outlook/outlook-event.mapper';
import { PERSONAL_TENANT_ID, toWrittenEvent as outlookWritten } from '../../src/providers/outlook/outlook-written-event.mapper';
import type { EventWrite } from '../../src/providers/calendar-provider';
import { MEETING_ERRORS } from '../../src/providers/shared/meeting-errors';

const write: EventWrite = {
  title: 'Call',
  description: 'Agenda',
  start: new Date('2030-07-01T12:00:00Z'),
  end: new Date('2030-07-01T12:30:00Z'),
  timeZone: 'UTC',
  attendeeEmails: ['a@x.example'],
  meeting: 'TEAMS',
};

describe('toGraphEventBody with meetings', () => {
  it('asks for a Teams meeting with its attendees and body on a create', () => {
    expect(toGraphEventBody(write, 'k')).toMatchObject({
      body: { contentType: 'text', content: 'Agenda' },
      attendees: [{ emailAddress: { address: 'a@x.example' }, type: 'required' }],
      isOnlineMeeting: true,
      onlineMeetingProvider: 'teamsForBusiness',
      transactionId: 'calbridge:k',
    });
  });

  it('leaves the body of a Teams meeting alone on an update, and sends it for other events', () => {
    expect(toGraphEventBody(write)).not.toHaveProperty('body');
    expect(toGraphEventBody(write)).toMatchObject({ isOnlineMeeting: true, onlineMeetingProvider: 'teamsForBusiness' });
    expect(toGraphEventBody({ ...write, meeting: 'NONE' })).toMatchObject({ body: { content: 'Agenda' } });
  });

  it('sends no meeting flags for NONE or GOOGLE_MEET, and no attendees when not given', () => {
    const { attendeeEmails: _a, ...noAttendees } = write;
    for (const meeting of ['NONE', 'GOOGLE_MEET'] as const) {
      const body = toGraphEventBody({ ...noAttendees, meeting }, 'k');
      expect(body).not.toHaveProperty('isOnlineMeeting');
      expect(body).not.toHaveProperty('attendees');
    }
    expect(toGraphEventBody({ ...write, attendeeEmails: [] })).toMatchObject({ attendees: [] });
  });
});

describe('Outlook toWrittenEvent', () => {
  const event = { id: 'e1', changeKey: 'ck' };
  it('returns the join link, or the reason for the account', () => {
    expect(outlookWritten({ ...event, onlineMeeting: { joinUrl: 'https://teams.microsoft.com/l/x' } }, write, 'tenant')).toEqual({ externalId: 'e1', version: 'ck', meetingUrl: 'https://teams.microsoft.com/l/x', meetingError: null });
    expect(outlookWritten({ ...event, isOnlineMeeting: false, onlineMeeting: null }, write, PERSONAL_TENANT_ID).meetingError).toBe(MEETING_ERRORS.teamsPersonal);
    expect(outlookWritten(event, write, 'some-work-tenant').meetingError).toBe(MEETING_ERRORS.teamsUnavailable);
    expect(outlookWritten(event, { meeting: 'GOOGLE_MEET' }, null).meetingError).toBe(MEETING_ERRORS.meetOnOutlook);
    expect(outlookWritten(event, { meeting: 'NONE' }, null)).toMatchObject({ meetingUrl: null, meetingError: null });
  });
});

describe('toGoogleEventBody with meetings', () => {
  it('adds a Meet createRequest with the given requestId, and attendees', () => {
    expect(toGoogleEventBody({ ...write, meeting: 'GOOGLE_MEET' }, 'calbridge-abc')).toMatchObject({
      description: 'Agenda',
      attendees: [{ email: 'a@x.example' }],
      conferenceData: { createRequest: { requestId: 'calbridge-abc', conferenceSolutionKey: { type: 'hangoutsMeet' } } },
    });
    expect(toGoogleEventBody(write, 'calbridge-abc')).not.toHaveProperty('conferenceData');
    expect(meetRequestIdFor('abc')).toBe('calbridge-abc');
  });
});

describe('Google toWrittenEvent', () => {
  const meet: EventWrite = { ...write, meeting: 'GOOGLE_MEET' };
  it('reads hangoutLink, else the video entry point', () => {
    expect(joinUrlOf({ hangoutLink: 'https://meet.google.com/a' })).toBe('https://meet.google.com/a');
    expect(joinUrlOf({ conferenceData: { entryPoints: [{ entryPointType: 'phone', uri: 'tel:+1' }, { entryPointType: 'video', uri: 'https://meet.google.com/b' }] } })).toBe('https://meet.google.com/b');
    expect(googleWritten({ id: 'e', etag: '"1"', hangoutLink: 'https://meet.google.com/a' }, 'x', meet)).toEqual({ externalId: 'e', version: '"1"', meetingUrl: 'https://meet.google.com/a', meetingError: null });
  });

  it('says why a Meet link is missing: still pending, failed, or Teams asked of Google', () => {
    const status = (statusCode: string) => ({ id: 'e', conferenceData: { createRequest: { requestId: 'r', status: { statusCode } } } });
    expect(googleWritten(status('pending'), 'e', meet).meetingError).toBe(MEETING_ERRORS.meetPending);
    expect(googleWritten(status('failure'), 'e', meet).meetingError).toBe(MEETING_ERRORS.meetFailed);
    expect(googleWritten({ id: 'e' }, 'e', write).meetingError).toBe(MEETING_ERRORS.teamsOnGoogle);
    expect(googleWritten({}, 'fallback', { meeting: 'NONE' })).toEqual({ externalId: 'fallback', version: null, meetingUrl: null, meetingError: null });
  });
});
