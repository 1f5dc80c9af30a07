import type { EventInput, StoredEvent } from './emulator.types';

// Stored events as Calendar v3 `calendar#event` resources, and API bodies back into inputs.

export function toWire(ev: StoredEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {
    kind: 'calendar#event',
    etag: `"${ev.seq}"`,
    id: ev.id,
    status: ev.status,
    created: ev.created,
    updated: ev.updated,
    summary: ev.summary,
    description: ev.description,
    organizer: { email: ev.calendarId, self: true },
    start: ev.start,
    end: ev.end,
    iCalUID: ev.iCalUID,
    sequence: 0,
    eventType: 'default',
  };
  if (ev.transparency) out.transparency = ev.transparency;
  if (ev.recurrence) out.recurrence = ev.recurrence;
  if (ev.recurringEventId) {
    out.recurringEventId = ev.recurringEventId;
    out.originalStartTime = ev.originalStartTime;
  }
  if (ev.extendedProperties) out.extendedProperties = ev.extendedProperties;
  if (ev.attendees?.length) out.attendees = ev.attendees;
  if (ev.conferenceData) out.conferenceData = ev.conferenceData;
  if (ev.hangoutLink) out.hangoutLink = ev.hangoutLink;
  return out;
}

/** Deleted items in an incremental sync carry little more than their id. */
export function toCancelledWire(ev: StoredEvent): Record<string, unknown> {
  const out: Record<string, unknown> = { kind: 'calendar#event', etag: `"${ev.seq}"`, id: ev.id, status: 'cancelled', updated: ev.updated };
  if (ev.recurringEventId) {
    out.recurringEventId = ev.recurringEventId;
    out.originalStartTime = ev.originalStartTime;
  }
  return out;
}

const FIELDS = ['id', 'status', 'summary', 'description', 'start', 'end', 'transparency', 'recurrence', 'recurringEventId', 'originalStartTime', 'iCalUID', 'extendedProperties', 'attendees', 'conferenceData'] as const;

export function toEventInput(body: Record<string, unknown>): EventInput {
  const out: Record<string, unknown> = {};
  for (const f of FIELDS) if (body[f] !== undefined && body[f] !== null) out[f] = body[f];
  return out as EventInput;
}
