import type { NormalizedEvent } from '../calendar-provider';
import { ProviderError, ProviderNotFoundError, ProviderRequestRejectedError, ProviderUnavailableError } from '../provider.errors';

// A free/busy-only calendar (Google freeBusyReader) cannot be listed with events.list: it is read through
// freebusy.query as busy blocks. Pure helpers: the query's time spans, the merge, the blocks as events.

/** Google refuses longer spans ("The requested time range is too long", reportedly over 90 days): stay well under. */
export const FREE_BUSY_MAX_SPAN_MS = 60 * 24 * 3600_000;

export interface BusyBlock {
  start: number;
  end: number;
}

/** [from, to) cut into consecutive spans of at most `maxSpanMs`. */
export function freeBusySpans(from: Date, to: Date, maxSpanMs = FREE_BUSY_MAX_SPAN_MS): Array<{ timeMin: Date; timeMax: Date }> {
  const spans: Array<{ timeMin: Date; timeMax: Date }> = [];
  for (let at = from.getTime(); at < to.getTime(); at += maxSpanMs) {
    spans.push({ timeMin: new Date(at), timeMax: new Date(Math.min(at + maxSpanMs, to.getTime())) });
  }
  return spans;
}

/**
 * Sorted, with overlapping and touching blocks joined: Google clips blocks to each query's span, so a block
 * across two spans comes back in two halves that must become one again.
 */
export function mergeBusy(blocks: readonly BusyBlock[]): BusyBlock[] {
  const sorted = blocks.filter((b) => b.end > b.start).sort((a, b) => a.start - b.start || a.end - b.end);
  const out: BusyBlock[] = [];
  for (const b of sorted) {
    const last = out[out.length - 1];
    if (last && b.start <= last.end) last.end = Math.max(last.end, b.end);
    else out.push({ ...b });
  }
  return out;
}

/** Stable across reads: the same busy time is the same row, so a re-read changes nothing. */
export const busyBlockId = (b: BusyBlock) => `freebusy:${new Date(b.start).toISOString()}/${new Date(b.end).toISOString()}`;

/** A busy block as an event: no title, BUSY, no series, no version (its id carries its times). */
export function busyBlockEvent(b: BusyBlock): NormalizedEvent {
  return {
    externalId: busyBlockId(b),
    title: null,
    start: new Date(b.start),
    end: new Date(b.end),
    isAllDay: false,
    availability: 'BUSY',
    seriesExternalId: null,
    version: null,
    clientKey: null,
  };
}

/** The per-calendar errors of a 200 freeBusy answer, as the typed error a failed request would give. */
export function freeBusyCalendarError(calendarId: string, errors: ReadonlyArray<{ domain?: string | null; reason?: string | null }>): ProviderError {
  const reason = errors[0]?.reason ?? null;
  if (reason === 'notFound') return new ProviderNotFoundError(`Google freeBusy: calendar ${calendarId} not found or not shared with the account`);
  if (reason === 'backendError' || reason === 'internalError') return new ProviderUnavailableError(`Google freeBusy failed for calendar ${calendarId} (${reason})`);
  return new ProviderRequestRejectedError(200, reason, `Google freeBusy refused calendar ${calendarId}`);
}
