import { Provider } from '../../connections/connection.enums';
import { IntervalUnion } from './interval-union';

// What takes a member's time, as read from local data (PRODUCT.md "Availability").

/** Times are epoch milliseconds: availability reads thousands of these per request, and Dates cost. */
export interface BusyInterval {
  /** APPOINTMENT: a confirmed appointment, its range with its own calendar's buffers. EVENT: a blocking third-party event. */
  kind: 'APPOINTMENT' | 'EVENT';
  start: number;
  end: number;
  /** Set for appointments on the CRM calendar asked about: their own start (the daily cap counts them by local day). */
  capStart?: number;
}

export interface BusyTimeQuery {
  userIds: readonly string[];
  /** Intervals overlapping [from, to). */
  from: Date;
  to: Date;
  /** Third-party events only from conflict calendars of these providers (the CRM calendar's supportedProviders). */
  providers: readonly Provider[];
  /** The CRM calendar asked about (its appointments count toward its daily cap) and its location (conflict calendars are chosen per location). */
  calendarId: string;
  locationId: string;
  /** A rescheduled appointment's own current time does not count against it. */
  excludeAppointmentId?: string;
  /**
   * Third-party events matter only where they overlap these ranges (the slots asked about: events are never
   * extended by buffers); the others may be left out. Absent: [from, to).
   */
  eventSpans?: IntervalUnion;
}

/** Blocking time per user for a range: confirmed appointments anywhere in the service, and blocking third-party events. */
export interface BusyTimeRepository {
  busyTimes(query: BusyTimeQuery): Promise<Map<string, BusyInterval[]>>;
}
