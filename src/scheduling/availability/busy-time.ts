import { Provider } from '../../connections/connection.enums';

// What takes a member's time, as read from local data (PRODUCT.md "Availability").

export interface BusyInterval {
  /** APPOINTMENT: a confirmed appointment, its range with its own calendar's buffers. EVENT: a blocking third-party event. */
  kind: 'APPOINTMENT' | 'EVENT';
  start: Date;
  end: Date;
  /** APPOINTMENT only: its CRM calendar and its own start (the daily cap counts a calendar's appointments by local day). */
  calendarId?: string;
  startsAt?: Date;
}

export interface BusyTimeQuery {
  userIds: readonly string[];
  /** Intervals overlapping [from, to). */
  from: Date;
  to: Date;
  /** Third-party events only from conflict calendars of these providers (the CRM calendar's supportedProviders). */
  providers: readonly Provider[];
  /** Conflict calendars are chosen per location: the CRM calendar's. */
  locationId: string;
  /** A rescheduled appointment's own current time does not count against it. */
  excludeAppointmentId?: string;
}

/** Blocking time per user for a range: confirmed appointments anywhere in the service, and blocking third-party events. */
export interface BusyTimeRepository {
  busyTimes(query: BusyTimeQuery): Promise<Map<string, BusyInterval[]>>;
}
