// A written Google event → WrittenEvent: its Meet link, or why the meeting asked for is missing. Pure.
import type { EventWrite, WrittenEvent } from '../calendar-provider';
import { MEETING_ERRORS } from '../shared/meeting-errors';

export interface GoogleConferenceData {
  createRequest?: { requestId?: string | null; status?: { statusCode?: string | null } | null } | null;
  entryPoints?: Array<{ entryPointType?: string | null; uri?: string | null }> | null;
}

export interface GoogleWrittenEvent {
  id?: string | null;
  etag?: string | null;
  hangoutLink?: string | null;
  conferenceData?: GoogleConferenceData | null;
}

/** The Meet createRequest id of an event: derived from its id (itself derived from the idempotency key), so retries and updates reuse it. */
export const meetRequestIdFor = (eventId: string): string => `calbridge-${eventId}`;

/** The video entry point (hangoutLink for Meet, else the conference's video URI). */
export function joinUrlOf(ev: GoogleWrittenEvent): string | null {
  return ev.hangoutLink || ev.conferenceData?.entryPoints?.find((p) => p.entryPointType === 'video')?.uri || null;
}

export function toWrittenEvent(ev: GoogleWrittenEvent, fallbackId: string, write: Pick<EventWrite, 'meeting'>): WrittenEvent {
  const meetingUrl = joinUrlOf(ev);
  let meetingError: string | null = null;
  if (!meetingUrl && write.meeting === 'TEAMS') meetingError = MEETING_ERRORS.teamsOnGoogle;
  if (!meetingUrl && write.meeting === 'GOOGLE_MEET') {
    // Google creates the conference asynchronously: pending now, success or failure later
    meetingError = ev.conferenceData?.createRequest?.status?.statusCode === 'pending' ? MEETING_ERRORS.meetPending : MEETING_ERRORS.meetFailed;
  }
  return { externalId: ev.id ?? fallbackId, version: ev.etag ?? null, meetingUrl, meetingError };
}
