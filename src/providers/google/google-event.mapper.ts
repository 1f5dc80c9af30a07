import { DateTime } from 'luxon';
import type { EventWrite, NormalizedEvent } from '../calendar-provider';
import { eventIdForKey } from './google-event-id';

// Calendar v3 events ↔ our normalised events. Pure.

export interface GoogleEventTime {
  date?: string | null;
  dateTime?: string | null;
  timeZone?: string | null;
}

export interface GoogleEvent {
  id?: string | null;
  status?: string | null;
  summary?: string | null;
  start?: GoogleEventTime | null;
  end?: GoogleEventTime | null;
  transparency?: string | null;
  recurringEventId?: string | null;
  etag?: string | null;
  extendedProperties?: { private?: Record<string, string> | null } | null;
}

export type MappedEvent = { kind: 'upsert'; event: NormalizedEvent } | { kind: 'removed'; id: string } | { kind: 'skip' };

/** Where we keep the idempotency key on events we create (Google keeps private properties per app). */
export const CLIENT_KEY_PROPERTY = 'calbridgeKey';

/**
 * The idempotency key of an event we created: the private property we set, trusted only on the event whose
 * id was derived from that very key (or an instance of it). A copy made in Google Calendar ("Duplicate")
 * may carry the property along under a new id: that one is the user's.
 */
export function clientKeyOf(ev: Pick<GoogleEvent, 'id' | 'extendedProperties'>): string | null {
  const key = ev.extendedProperties?.private?.[CLIENT_KEY_PROPERTY];
  if (!key || !ev.id) return null;
  const ours = eventIdForKey(key);
  return ev.id === ours || ev.id.startsWith(`${ours}_`) ? key : null;
}

const HAS_OFFSET = /(Z|[+-]\d\d:?\d\d)$/i;

/**
 * A time as a UTC instant. All-day dates are midnight in the calendar's zone; a local
 * date-time without offset (Google sends offsets, but be lenient) is read in its timeZone.
 */
export function toInstant(t: GoogleEventTime, calendarTimeZone: string | null | undefined): Date | null {
  if (t.dateTime) {
    if (HAS_OFFSET.test(t.dateTime)) {
      const ms = Date.parse(t.dateTime);
      return Number.isNaN(ms) ? null : new Date(ms);
    }
    const dt = DateTime.fromISO(t.dateTime, { zone: t.timeZone ?? calendarTimeZone ?? 'UTC' });
    return dt.isValid ? dt.toJSDate() : null;
  }
  if (t.date) {
    const dt = DateTime.fromISO(t.date, { zone: calendarTimeZone ?? 'UTC' });
    return dt.isValid ? dt.toJSDate() : null;
  }
  return null;
}

export function mapGoogleEvent(ev: GoogleEvent, calendarTimeZone: string | null | undefined): MappedEvent {
  if (!ev.id) return { kind: 'skip' };
  if (ev.status === 'cancelled') return { kind: 'removed', id: ev.id };
  const start = ev.start ? toInstant(ev.start, calendarTimeZone) : null;
  const end = ev.end ? toInstant(ev.end, calendarTimeZone) : null;
  if (!start || !end) return { kind: 'skip' };
  return {
    kind: 'upsert',
    event: {
      externalId: ev.id,
      title: ev.summary ?? null,
      start,
      end,
      isAllDay: Boolean(ev.start?.date),
      // transparency alone says busy or free; tentative events still block
      availability: ev.transparency === 'transparent' ? 'FREE' : 'BUSY',
      seriesExternalId: ev.recurringEventId ?? null,
      version: ev.etag ?? null,
      clientKey: clientKeyOf(ev),
    },
  };
}

/** The body of an insert/patch: wall-clock times in the event's zone, as Google Calendar shows them. */
export function toGoogleEventBody(e: EventWrite): Record<string, unknown> {
  const at = (d: Date) => DateTime.fromJSDate(d, { zone: e.timeZone }).toISO({ suppressMilliseconds: true });
  return {
    summary: e.title,
    ...(e.description !== undefined ? { description: e.description } : {}),
    start: { dateTime: at(e.start), timeZone: e.timeZone },
    end: { dateTime: at(e.end), timeZone: e.timeZone },
  };
}
