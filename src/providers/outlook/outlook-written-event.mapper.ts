// A created or updated Graph event → WrittenEvent: its join link, or why the Teams meeting asked for is missing.
import type { EventWrite, WrittenEvent } from '../calendar-provider';
import { MEETING_ERRORS } from '../shared/meeting-errors';
import type { GraphEvent } from './outlook-event.mapper';

/** Microsoft's tenant of personal accounts (outlook.com, hotmail.com, live.com). */
export const PERSONAL_TENANT_ID = '9188040d-6c67-4c5b-b112-36a304b66dad';

/**
 * Graph does not refuse a Teams meeting it cannot create: for personal accounts (and work accounts without
 * Teams) it writes the event with isOnlineMeeting false and no onlineMeeting. So a missing join link is the
 * sign, and the account's tenant tells which reason to give.
 */
export function toWrittenEvent(event: GraphEvent, write: Pick<EventWrite, 'meeting'>, tenantId: string | null): WrittenEvent {
  const meetingUrl = event.onlineMeeting?.joinUrl || null;
  let meetingError: string | null = null;
  if (!meetingUrl && write.meeting === 'TEAMS') meetingError = tenantId === PERSONAL_TENANT_ID ? MEETING_ERRORS.teamsPersonal : MEETING_ERRORS.teamsUnavailable;
  if (!meetingUrl && write.meeting === 'GOOGLE_MEET') meetingError = MEETING_ERRORS.meetOnOutlook;
  return { externalId: event.id, version: event.changeKey ?? null, meetingUrl, meetingError };
}
