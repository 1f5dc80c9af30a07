import { randomInt } from 'node:crypto';
import { badRequest } from './emulator.error';
import type { Attendee, ConferenceData, EventInput, StoredEvent } from './emulator.types';

// Google Meet conferences and attendees on events. A conferenceData.createRequest (read only with
// conferenceDataVersion=1, which the routes check) makes a Meet conference: conferenceData with a video entry
// point, the createRequest with status success, and hangoutLink. A requestId the event already had is
// ignored, so asking again keeps the link; a new one replaces the conference.

const MEET_ICON = 'https://fonts.gstatic.com/s/i/productlogos/meet_2020q4/v6/web-512dp/logo_meet_2020q4_color_2x_web_512dp.png';
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** A Meet code like "abc-mnop-xyz". */
function meetCode(): string {
  const letters = (n: number) => Array.from({ length: n }, () => String.fromCharCode(97 + randomInt(26))).join('');
  return `${letters(3)}-${letters(4)}-${letters(3)}`;
}

/** Applies the conferenceData of an insert or patch to the event (input already filtered by conferenceDataVersion). */
export function applyConference(ev: StoredEvent, requested: ConferenceData | null | undefined): void {
  if (requested === undefined) return;
  if (requested === null) {
    // A full update (PUT) with conferenceDataVersion=1 and no conferenceData removes the conference
    delete ev.conferenceData;
    delete ev.hangoutLink;
    return;
  }
  const create = requested.createRequest;
  if (!create) {
    // Copying conference data from another event (version 1 allows it): kept as given
    ev.conferenceData = requested;
    return;
  }
  if (!create.requestId) throw badRequest('Missing conference request id.', 'required');
  if (create.conferenceSolutionKey?.type !== 'hangoutsMeet') throw badRequest('Invalid conference type value.');
  if (ev.conferenceData?.createRequest?.requestId === create.requestId) return;
  const code = meetCode();
  const uri = `https://meet.google.com/${code}`;
  ev.conferenceData = {
    createRequest: { requestId: create.requestId, conferenceSolutionKey: { type: 'hangoutsMeet' }, status: { statusCode: 'success' } },
    entryPoints: [{ entryPointType: 'video', uri, label: `meet.google.com/${code}` }],
    conferenceSolution: { key: { type: 'hangoutsMeet' }, name: 'Google Meet', iconUri: MEET_ICON },
    conferenceId: code,
  };
  ev.hangoutLink = uri;
}

/** Attendees as Google keeps them: each needs a valid email; new ones have not answered yet. */
export function toAttendees(input: EventInput['attendees']): Attendee[] | undefined {
  if (!input) return undefined;
  return input.map((a) => {
    if (!a.email || !EMAIL.test(a.email)) throw badRequest('Invalid attendee email.');
    return { ...a, email: a.email.toLowerCase(), responseStatus: a.responseStatus ?? 'needsAction' };
  });
}
