// Pure mapping between Graph events and the driver contract: UTC instants, occurrence rows,
// all-day events anchored at midnight in their own zone, showAs → availability.
import { DateTime } from 'luxon';
import type { EventAvailability, EventWrite, NormalizedEvent } from '../calendar-provider';
import { toIanaZone, toWindowsZone } from './windows-zones';

export interface GraphDateTimeZone {
  dateTime: string;
  timeZone?: string | null;
}

export interface GraphEvent {
  id: string;
  subject?: string | null;
  start?: GraphDateTimeZone | null;
  end?: GraphDateTimeZone | null;
  isAllDay?: boolean | null;
  isCancelled?: boolean | null;
  showAs?: string | null;
  type?: string | null;
  seriesMasterId?: string | null;
  changeKey?: string | null;
  transactionId?: string | null;
  originalStartTimeZone?: string | null;
  '@odata.etag'?: string | null;
  '@removed'?: { reason?: string } | null;
}

export type DeltaItem = { kind: 'upsert'; event: NormalizedEvent } | { kind: 'removed'; id: string } | { kind: 'skip' };

const SHOW_AS: Readonly<Record<string, EventAvailability>> = {
  free: 'FREE',
  tentative: 'TENTATIVE',
  busy: 'BUSY',
  oof: 'OUT_OF_OFFICE',
  workingElsewhere: 'WORKING_ELSEWHERE',
  unknown: 'UNKNOWN',
};

export function toAvailability(showAs: string | null | undefined): EventAvailability {
  return (showAs && SHOW_AS[showAs]) || 'UNKNOWN';
}

const HAS_OFFSET = /(?:[zZ]|[+-]\d\d:?\d\d)$/;

/** Zone name (Windows, IANA, or Graph's tzone://Microsoft/Utc) → IANA, or null (reported once). */
export function ianaOf(name: string | null | undefined): string | null {
  return toIanaZone(name);
}

/** The instant of a Graph dateTimeTimeZone; 7-digit fractions and Windows zone names accepted. */
export function instantOf(value: GraphDateTimeZone): Date {
  const { dateTime } = value;
  if (HAS_OFFSET.test(dateTime)) return new Date(dateTime);
  const zone = ianaOf(value.timeZone) ?? 'UTC';
  // UTC is what we ask for, so it is the hot path: no zone library needed
  if (zone === 'UTC') return new Date(`${dateTime.slice(0, 23)}Z`);
  const dt = DateTime.fromISO(dateTime.slice(0, 23), { zone });
  if (!dt.isValid) throw new Error(`unparseable Graph dateTime ${dateTime} ${value.timeZone}`);
  return dt.toJSDate();
}

/** Midnight of the dateTime's calendar date in `zone` (all-day events are floating dates). */
export function midnightIn(value: GraphDateTimeZone, zone: string): Date {
  return DateTime.fromISO(value.dateTime.slice(0, 10), { zone }).startOf('day').toJSDate();
}

/**
 * Our transactionIds carry this prefix. Graph returns transactionId on reads (delta included), but Outlook's
 * own clients set transactionIds too (GUIDs) on events users create: only ours start with it.
 */
export const TRANSACTION_ID_PREFIX = 'calbridge:';

export const transactionIdFor = (idempotencyKey: string) => `${TRANSACTION_ID_PREFIX}${idempotencyKey}`;

/** The idempotency key of an event we created, or null for anyone else's. */
export function clientKeyOf(transactionId: string | null | undefined): string | null {
  return transactionId?.startsWith(TRANSACTION_ID_PREFIX) ? transactionId.slice(TRANSACTION_ID_PREFIX.length) || null : null;
}

export function toNormalizedEvent(event: GraphEvent, calendarTimeZone: string | null = null): NormalizedEvent {
  if (!event.start || !event.end) throw new Error(`Graph event ${event.id} has no start/end`);
  const isAllDay = event.isAllDay === true;
  let start: Date;
  let end: Date;
  if (isAllDay) {
    // The event's own zone first: an all-day event in Berlin spans Berlin's midnight to midnight
    const zone = ianaOf(event.originalStartTimeZone) ?? calendarTimeZone ?? ianaOf(event.start.timeZone) ?? 'UTC';
    start = midnightIn(event.start, zone);
    end = midnightIn(event.end, zone);
  } else {
    start = instantOf(event.start);
    end = instantOf(event.end);
  }
  return {
    externalId: event.id,
    title: event.subject ?? null,
    start,
    end,
    isAllDay,
    availability: toAvailability(event.showAs),
    seriesExternalId: event.seriesMasterId ?? null,
    version: event.changeKey ?? event['@odata.etag'] ?? null,
    clientKey: clientKeyOf(event.transactionId),
  };
}

/** How one calendarView/delta item counts: removed (deleted or cancelled), an occurrence row, or nothing. */
export function classifyDeltaItem(item: GraphEvent, calendarTimeZone: string | null = null): DeltaItem {
  if (item['@removed'] || item.isCancelled === true) return { kind: 'removed', id: item.id };
  // Delta never returns series masters, but a stray one must not become a row
  if (item.type === 'seriesMaster') return { kind: 'skip' };
  return { kind: 'upsert', event: toNormalizedEvent(item, calendarTimeZone) };
}

function wallClock(at: Date, zone: { iana: string; windows: string }): GraphDateTimeZone {
  return { dateTime: DateTime.fromJSDate(at, { zone: zone.iana }).toFormat("yyyy-LL-dd'T'HH:mm:ss"), timeZone: zone.windows };
}

/**
 * The zone an event is written in: its Windows name (Graph accepts every Windows name but only a short list
 * of IANA ones). A zone Windows has no name for is written as UTC: the instants stay exact, only Outlook's
 * display zone of the event differs (reported once).
 */
export function writeZone(zone: string): { iana: string; windows: string } {
  const iana = ianaOf(zone);
  const windows = iana ? toWindowsZone(zone) : null;
  return iana && windows ? { iana, windows } : { iana: 'UTC', windows: 'UTC' };
}

/**
 * The Graph body for a create or update, in the event's zone. On a create, the idempotency key becomes the
 * transactionId: a retried POST returns the event already created, and reads tell our events by it.
 */
export function toGraphEventBody(write: EventWrite, idempotencyKey?: string): Record<string, unknown> {
  const zone = writeZone(write.timeZone);
  return {
    subject: write.title,
    ...(write.description === undefined ? {} : { body: { contentType: 'text', content: write.description ?? '' } }),
    start: wallClock(write.start, zone),
    end: wallClock(write.end, zone),
    showAs: 'busy',
    ...(idempotencyKey ? { transactionId: transactionIdFor(idempotencyKey) } : {}),
  };
}
