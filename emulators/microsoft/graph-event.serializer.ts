// Graph's JSON for events and occurrences. `zone` is the Prefer: outlook.timezone zone
// (reads default to UTC); null echoes the zones the event was written in (create/update answers).
import { isoInstant, localToGraph, msToGraph } from './graph-datetime';
import type { StoredEvent, ViewItem } from './microsoft-model';

function when(local: string, ms: number, writtenZone: string, zone: string | null, isAllDay: boolean) {
  if (zone === null) return { dateTime: localToGraph(local), timeZone: writtenZone };
  // All-day events are floating: midnight in whatever zone is asked for
  if (isAllDay) return { dateTime: localToGraph(local.slice(0, 10)), timeZone: zone };
  return { dateTime: msToGraph(ms, zone), timeZone: zone };
}

function base(event: StoredEvent, full: boolean) {
  return {
    createdDateTime: isoInstant(event.createdMs),
    transactionId: event.transactionId,
    originalStartTimeZone: event.timeZone,
    originalEndTimeZone: event.endTimeZone,
    iCalUId: event.iCalUId,
    isAllDay: event.isAllDay,
    isCancelled: event.isCancelled,
    sensitivity: event.sensitivity,
    ...(full ? { body: { contentType: event.bodyContentType ?? 'text', content: event.bodyContent }, categories: [], importance: 'normal', isReminderOn: true } : {}),
    attendees: event.attendees ?? [],
    isOnlineMeeting: Boolean(event.onlineMeeting),
    onlineMeetingProvider: event.onlineMeeting ? 'teamsForBusiness' : 'unknown',
    onlineMeeting: event.onlineMeeting ?? null,
    onlineMeetingUrl: null,
  };
}

export function serializeEvent(event: StoredEvent, zone: string | null, full = true): Record<string, unknown> {
  return {
    '@odata.etag': `W/"${event.changeKey}"`,
    id: event.id,
    ...base(event, full),
    lastModifiedDateTime: isoInstant(event.modifiedMs),
    changeKey: event.changeKey,
    subject: event.subject,
    showAs: event.showAs,
    type: event.recurrence ? 'seriesMaster' : 'singleInstance',
    seriesMasterId: null,
    start: when(event.startLocal, event.startMs, event.timeZone, zone, event.isAllDay),
    end: when(event.endLocal, event.endMs, event.endTimeZone, zone, event.isAllDay),
    recurrence: event.recurrence,
  };
}

export function serializeItem(item: ViewItem, zone: string | null, full = false): Record<string, unknown> {
  if (!item.occurrence) return serializeEvent(item.event, zone, full);
  const master = item.event;
  const override = item.occurrence.override;
  const changeKey = override?.changeKey ?? master.changeKey;
  return {
    '@odata.etag': `W/"${changeKey}"`,
    id: item.id,
    ...base(master, full),
    lastModifiedDateTime: isoInstant(Math.max(master.modifiedMs, override?.modifiedMs ?? 0)),
    changeKey,
    subject: override?.subject ?? master.subject,
    showAs: override?.showAs ?? master.showAs,
    type: override ? 'exception' : 'occurrence',
    seriesMasterId: master.id,
    originalStart: isoInstant(item.occurrence.originalStartMs),
    start: when(item.startLocal, item.startMs, master.timeZone, zone, master.isAllDay),
    end: when(item.endLocal, item.endMs, master.endTimeZone, zone, master.isAllDay),
    recurrence: null,
  };
}
