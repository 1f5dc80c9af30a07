import { Provider } from '../../connections/connection.enums';
import type { EventMeeting, EventWrite } from '../../providers/calendar-provider';
import { AppointmentStatus } from '../../scheduling/booking/appointment.enums';

// What the outbox does next to one participant's provider event (docs/booking.md "The outbox"). Pure: the
// write row's progress and the appointment's status in, one step out. The worker runs the step, records what
// it wrote, reads the row again and asks once more, until the answer is NONE: so a cancel or a reschedule that
// lands while a create is in flight is carried out by the same worker right after it.

/** How far a participant's provider event is (the appointment_writes row). */
export interface WriteProgress {
  /** The appointment version the event must reach. */
  version: number;
  /** The last version written (null: none yet). */
  writtenVersion: number | null;
  externalEventId: string | null;
  /** The version the first create attempt carried; null: no create was ever sent, so the provider has no event. */
  createSentVersion: number | null;
}

export type WriteStep =
  /** Create the event with the idempotency key (a create sent before whose answer was lost returns that event). */
  | { op: 'CREATE' }
  | { op: 'UPDATE'; externalEventId: string }
  | { op: 'DELETE'; externalEventId: string }
  /** The provider already matches `version`. */
  | { op: 'NONE' };

export function nextStep(status: AppointmentStatus, w: WriteProgress): WriteStep {
  if (w.writtenVersion === w.version) return { op: 'NONE' };
  if (status === AppointmentStatus.CANCELLED) {
    if (w.externalEventId) return { op: 'DELETE', externalEventId: w.externalEventId };
    // A create went out and its answer never came: the event may exist. The same key finds it (or makes it),
    // and the next step deletes it. Nothing sent: a cancel before the create was written leaves no event.
    return w.createSentVersion !== null ? { op: 'CREATE' } : { op: 'NONE' };
  }
  return w.externalEventId ? { op: 'UPDATE', externalEventId: w.externalEventId } : { op: 'CREATE' };
}

/**
 * The version the provider event holds after a step that succeeded at `version`. A create may have returned an
 * event an earlier attempt made (the key found it), holding that attempt's data: it counts as the first
 * attempt's version, so a reschedule that came in between is written by an update next.
 */
export function writtenAfter(step: WriteStep, version: number, createSentVersion: number | null): number {
  if (step.op === 'CREATE') return Math.min(createSentVersion ?? version, version);
  return version;
}

/** The calendar's meeting provider for a participant's linked calendar: AUTO is the calendar's own. */
export function resolveMeeting(meetingProvider: string, provider: Provider): EventMeeting {
  switch (meetingProvider) {
    case 'TEAMS':
      return 'TEAMS';
    case 'GOOGLE_MEET':
      return 'GOOGLE_MEET';
    case 'AUTO':
      return provider === Provider.OUTLOOK ? 'TEAMS' : 'GOOGLE_MEET';
    default:
      return 'NONE';
  }
}

/** What an appointment looks like at the provider. */
export interface AppointmentContent {
  title: string;
  description: string | null;
  start: Date;
  end: Date;
  /** The location's zone. */
  timeZone: string;
  attendeeEmails: readonly string[];
  meetingProvider: string;
}

export function toEventWrite(a: AppointmentContent, provider: Provider): EventWrite {
  return {
    title: a.title,
    // Absent, an update leaves the body as it is; an appointment without one writes none.
    ...(a.description ? { description: a.description } : {}),
    start: a.start,
    end: a.end,
    timeZone: a.timeZone,
    attendeeEmails: a.attendeeEmails,
    meeting: resolveMeeting(a.meetingProvider, provider),
  };
}
