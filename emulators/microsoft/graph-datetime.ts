// Graph's dateTimeTimeZone values: wall-clock "2024-01-01T10:00:00.0000000" plus a zone name.
import { DateTime } from 'luxon';
import { ianaZoneOf, isUtcZone } from './zone-names';

const FRACTION = '.0000000';

/** Wall-clock dateTime without offset or fraction: "2024-01-01T10:00:00". */
export function normalizeLocal(dateTime: string): string {
  return dateTime.slice(0, 19).padEnd(19, ':00');
}

/** The instant of a wall-clock time in a zone (Windows or IANA name). */
export function localToMs(local: string, zone: string): number {
  if (/[zZ]$|[+-]\d\d:\d\d$/.test(local)) return Date.parse(local);
  // UTC is the hot path (the benchmark seeds tens of thousands of UTC events)
  if (isUtcZone(zone)) return Date.parse(`${normalizeLocal(local)}Z`);
  const dt = DateTime.fromISO(normalizeLocal(local), { zone: ianaZoneOf(zone) });
  if (!dt.isValid) throw new Error(`invalid dateTime: ${local}`);
  return dt.toMillis();
}

/** The wall-clock time of an instant in a zone, in Graph's 7-digit fraction format. */
export function msToGraph(ms: number, zone: string): string {
  if (isUtcZone(zone)) return new Date(ms).toISOString().slice(0, 19) + FRACTION;
  return DateTime.fromMillis(ms, { zone: ianaZoneOf(zone) }).toFormat("yyyy-LL-dd'T'HH:mm:ss") + FRACTION;
}

export function localToGraph(local: string): string {
  return normalizeLocal(local) + FRACTION;
}

export function msToLocal(ms: number, zone: string): string {
  return msToGraph(ms, zone).slice(0, 19);
}

/** ISO instant with Graph's 7 fraction digits, e.g. for lastModifiedDateTime. */
export function isoInstant(ms: number): string {
  // String slicing, not a regex: this runs twice per event on every delta page
  return `${new Date(ms).toISOString().slice(0, 23)}0000Z`;
}
