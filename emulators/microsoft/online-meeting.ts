// Teams meetings on events, as Graph makes them ("Create or set an event as an online meeting in an Outlook
// calendar"): isOnlineMeeting + onlineMeetingProvider teamsForBusiness, on a calendar whose
// allowedOnlineMeetingProviders has it, gives the event an onlineMeeting.joinUrl and a join block in its body
// (the body becomes HTML). Graph does not refuse what it cannot host: a personal account (its calendars allow
// skypeForConsumer, which events cannot use) or a work account without Teams gets the event written, 201, with
// isOnlineMeeting false, onlineMeetingProvider unknown and no onlineMeeting.
import { randomBytes, randomInt } from 'node:crypto';
import type { Account, Attendee, OnlineMeeting } from './microsoft-model';

export function allowedOnlineMeetingProviders(account: Account): string[] {
  if (account.kind === 'personal') return ['skypeForConsumer'];
  return account.kind === 'work' && account.teams !== false ? ['teamsForBusiness'] : [];
}

export const defaultOnlineMeetingProvider = (account: Account): string => allowedOnlineMeetingProviders(account)[0] ?? 'unknown';

/** Whether a create or update asking for an online meeting gets a Teams one in the account's calendars. */
export function hostsTeamsMeeting(account: Account, provider: string | undefined): boolean {
  return (provider ?? defaultOnlineMeetingProvider(account)) === 'teamsForBusiness' && allowedOnlineMeetingProviders(account).includes('teamsForBusiness');
}

export function newTeamsMeeting(organizer: Account): OnlineMeeting {
  const thread = randomBytes(36).toString('base64url');
  const context = encodeURIComponent(JSON.stringify({ Tid: organizer.tid, Oid: organizer.oid }));
  return {
    joinUrl: `https://teams.microsoft.com/l/meetup-join/19%3ameeting_${thread}%40thread.v2/0?context=${context}`,
    conferenceId: String(randomInt(100_000_000, 1_000_000_000)),
    tollNumber: '+1 323-555-0166',
  };
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The body Graph writes for an online meeting: the organizer's text, then the join block. */
export function withJoinBlock(content: string, contentType: string, meeting: OnlineMeeting): string {
  const text = contentType.toLowerCase() === 'html' ? content : escapeHtml(content).replace(/\r?\n/g, '<br>\r\n');
  return [
    '<html>',
    '<head>',
    '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">',
    '</head>',
    '<body>',
    text,
    '<div>________________________________________________________________________________</div>',
    `<div class="me-email-text"><a class="me-email-headline" href="${escapeHtml(meeting.joinUrl)}" target="_blank">Join Microsoft Teams Meeting</a></div>`,
    `<div>Conference ID: ${meeting.conferenceId}#</div>`,
    '</body>',
    '</html>',
    '',
  ].join('\r\n');
}

/** Whether a body still carries the meeting's join link (one written without it drops the meeting). */
export const bodyKeepsMeeting = (content: string, meeting: OnlineMeeting): boolean => content.includes(meeting.joinUrl) || content.includes(escapeHtml(meeting.joinUrl));

export interface AttendeeInput {
  type?: Attendee['type'];
  emailAddress?: { address?: string; name?: string };
}

/** Attendees as Graph stores them: no response yet, the address standing in for a missing name. */
export function toAttendees(input: AttendeeInput[]): Attendee[] {
  return input.map((a) => {
    const address = a.emailAddress?.address ?? '';
    return { type: a.type ?? 'required', status: { response: 'none', time: '0001-01-01T00:00:00Z' }, emailAddress: { name: a.emailAddress?.name ?? address, address } };
  });
}
