import { EmulatorError } from './emulator.error';
import type { StoredCalendar, StoredEvent } from './emulator.types';
import { instanceOf } from './event-instance';
import { toCancelledWire, toWire } from './event-wire';
import { expandRecurrence } from './rrule-expander';

// events.list: full listings (optionally windowed, series expanded with singleEvents=true)
// and incremental ones from a sync token. Page tokens hold a cursor on the events' creation
// order (not an offset), so changes during paging never make an unchanged event skipped;
// the sync token handed out at the end holds the sequence seen when the listing began,
// so such changes come again in the next incremental sync.

export interface ListParams {
  singleEvents: boolean;
  showDeleted: boolean;
  timeMinMs: number | null;
  timeMaxMs: number | null;
  maxResults: number;
  pageToken: string | null;
  syncToken: string | null;
}

export interface ListResult {
  items: Record<string, unknown>[];
  nextPageToken?: string;
  nextSyncToken?: string;
}

interface Cursor {
  /** Sync mode: only events changed after this sequence. null = full listing. */
  since: number | null;
  /** Calendar sequence when the listing began. */
  snap: number;
  epoch: number;
  wMin: number | null;
  wMax: number | null;
  singleEvents: boolean;
  showDeleted: boolean;
  /** Last item emitted: creation order and, for occurrences, their start. */
  ord: number;
  at: number | null;
}

interface SyncToken {
  seq: number;
  epoch: number;
  wMin: number | null;
  wMax: number | null;
}

const encode = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const decode = <T>(s: string): T | null => {
  try {
    return JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as T;
  } catch {
    return null;
  }
};

export const fullSyncRequired = () =>
  new EmulatorError(410, 'fullSyncRequired', 'Sync token is no longer valid, a full sync is required.', 'calendar');

// Series without an end are expanded this far when the listing has no timeMax.
const HORIZON_MS = 2 * 366 * 86_400_000;

export function listEvents(cal: StoredCalendar, p: ListParams): ListResult {
  const cursor = startCursor(cal, p);
  const max = Math.min(Math.max(1, p.maxResults), 2500);
  const items: Record<string, unknown>[] = [];
  let last: { ord: number; at: number | null } | null = null;
  let more = false;

  const emit = (ord: number, at: number | null, item: Record<string, unknown>): boolean => {
    if (ord < cursor.ord || (ord === cursor.ord && (at === null || (cursor.at !== null && at <= cursor.at)))) return true;
    if (items.length === max) {
      more = true;
      return false;
    }
    items.push(item);
    last = { ord, at };
    return true;
  };

  const wMin = cursor.wMin ?? -Infinity;
  const wMax = cursor.wMax ?? Date.now() + HORIZON_MS;
  const incremental = cursor.since !== null;
  for (const ev of cal.events.values()) {
    if (ev.ord < cursor.ord) continue;
    if (incremental && ev.seq <= cursor.since!) continue;
    const visible = incremental || cursor.showDeleted || ev.status !== 'cancelled';
    if (!visible) continue;
    if (ev.recurrence && cursor.singleEvents) {
      if (!emitSeries(cal, ev, wMin, wMax, incremental, emit)) break;
      continue;
    }
    if (!incremental && !ev.recurrence && (ev.endMs <= wMin || ev.startMs >= wMax)) continue;
    const item = incremental && ev.status === 'cancelled' ? toCancelledWire(ev) : toWire(ev);
    if (!emit(ev.ord, null, item)) break;
  }

  if (more && last) {
    const l = last as { ord: number; at: number | null };
    return { items, nextPageToken: encode({ ...cursor, ord: l.ord, at: l.at }) };
  }
  const token: SyncToken = { seq: cursor.snap, epoch: cursor.epoch, wMin: cursor.wMin, wMax: cursor.wMax };
  return { items, nextSyncToken: encode(token) };
}

function emitSeries(
  cal: StoredCalendar,
  master: StoredEvent,
  wMin: number,
  wMax: number,
  incremental: boolean,
  emit: (ord: number, at: number | null, item: Record<string, unknown>) => boolean,
): boolean {
  for (const occ of expandRecurrence(master, cal.timeZone, wMin, wMax)) {
    const inst = instanceOf(master, occ);
    if (cal.exceptionIds.has(inst.id)) continue;
    const item = master.status === 'cancelled' ? toCancelledWire(inst) : toWire(inst);
    if (!emit(master.ord, occ.startMs, item)) return false;
  }
  // the master itself, so a client that stored it can drop it too
  if (incremental && master.status === 'cancelled') return emit(master.ord, Number.MAX_SAFE_INTEGER, toCancelledWire(master));
  return true;
}

function startCursor(cal: StoredCalendar, p: ListParams): Cursor {
  if (p.pageToken) {
    const c = decode<Cursor>(p.pageToken);
    if (!c || typeof c.ord !== 'number') throw new EmulatorError(400, 'invalid', 'Invalid page token value.');
    if (c.since !== null && c.epoch !== cal.syncEpoch) throw fullSyncRequired();
    return c;
  }
  const base = { snap: cal.seq, epoch: cal.syncEpoch, singleEvents: p.singleEvents, ord: 0, at: null };
  if (p.syncToken) {
    if (p.timeMinMs !== null || p.timeMaxMs !== null) throw new EmulatorError(400, 'invalid', 'Sync token cannot be used with timeMin/timeMax.');
    const t = decode<SyncToken>(p.syncToken);
    if (!t || typeof t.seq !== 'number') throw new EmulatorError(400, 'invalid', 'Invalid sync token value.');
    if (t.epoch !== cal.syncEpoch) throw fullSyncRequired();
    // deleted items always come with a sync token
    return { ...base, since: t.seq, wMin: t.wMin, wMax: t.wMax, showDeleted: true };
  }
  return { ...base, since: null, wMin: p.timeMinMs, wMax: p.timeMaxMs, showDeleted: p.showDeleted };
}
