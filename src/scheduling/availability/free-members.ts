import { DateTime } from 'luxon';
import { CalendarType } from '../calendar-type.enum';
import { BusyInterval } from './busy-time';
import { GridSlot } from './slot-grid';

// Which members are free for which slots (PRODUCT.md "Availability"), pure.
// A slot is free for a member when
// - its occupied range [start − bufferBefore, end + bufferAfter), with this calendar's buffers, overlaps none of
//   the member's confirmed appointments' occupied ranges (each with its own calendar's buffers);
// - the slot itself (buffers not added) overlaps none of the member's blocking third-party events;
// - with a daily cap, the member has fewer than that many confirmed appointments on this calendar that local day.

export interface FreeSlotRules {
  type: CalendarType;
  zone: string;
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
  maxAppointmentsPerDay: number | null;
}

export interface FreeSlot {
  start: Date;
  end: Date;
  /** The members free for the whole slot, in team order (all of them for COLLECTIVE). */
  userIds: string[];
}

const MINUTE = 60_000;

/** Sorted, merged, disjoint [start, end) ranges in ms: their ends are sorted too, so one pointer can sweep them. */
function mergedRanges(intervals: ReadonlyArray<{ start: number; end: number }>): Array<[number, number]> {
  const ranges = intervals.map((i): [number, number] => [i.start, i.end]).filter(([s, e]) => e > s);
  ranges.sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

/** Overlap tests for queries whose start and end only grow (slots in start order, equal lengths). */
class Sweep {
  private i = 0;
  constructor(private readonly ranges: Array<[number, number]>) {}

  overlaps(start: number, end: number): boolean {
    while (this.i < this.ranges.length && this.ranges[this.i][1] <= start) this.i++;
    return this.i < this.ranges.length && this.ranges[this.i][0] < end;
  }
}

/** One member's availability over a run of slots in start order. */
export class MemberAvailability {
  private readonly appointments: Sweep;
  private readonly events: Sweep;
  private readonly perDay = new Map<string, number>();

  constructor(
    busy: readonly BusyInterval[],
    private readonly rules: FreeSlotRules,
  ) {
    this.appointments = new Sweep(mergedRanges(busy.filter((b) => b.kind === 'APPOINTMENT')));
    this.events = new Sweep(mergedRanges(busy.filter((b) => b.kind === 'EVENT')));
    if (rules.maxAppointmentsPerDay !== null) {
      for (const b of busy) {
        if (b.kind !== 'APPOINTMENT' || b.capStart === undefined) continue;
        const day = DateTime.fromMillis(b.capStart, { zone: rules.zone }).toISODate()!;
        this.perDay.set(day, (this.perDay.get(day) ?? 0) + 1);
      }
    }
  }

  /** Call with slots in start order (the sweeps only move forward). */
  isFree(slot: GridSlot): boolean {
    const start = slot.start.getTime();
    const end = slot.end.getTime();
    if (this.rules.maxAppointmentsPerDay !== null && (this.perDay.get(slot.localDate) ?? 0) >= this.rules.maxAppointmentsPerDay) return false;
    const occupiedFrom = start - this.rules.bufferBeforeMinutes * MINUTE;
    const occupiedTo = end + this.rules.bufferAfterMinutes * MINUTE;
    // Each sweep sees monotone queries: the appointment sweep the occupied ranges, the event sweep the slots.
    const takenByAppointment = this.appointments.overlaps(occupiedFrom, occupiedTo);
    const takenByEvent = this.events.overlaps(start, end);
    return !takenByAppointment && !takenByEvent;
  }
}

/** Whether a calendar of this type needs every member free (COLLECTIVE) or any one (the others). */
export const needsEveryMember = (type: CalendarType): boolean => type === CalendarType.COLLECTIVE;

/**
 * The slots to list: ROUND_ROBIN and SERVICE when any member is free (userIds = the free ones), COLLECTIVE when
 * all are, PERSONAL and EVENT when their one member is. `memberIds` are the members considered, in team order.
 */
export function freeSlots(slots: readonly GridSlot[], memberIds: readonly string[], busy: ReadonlyMap<string, readonly BusyInterval[]>, rules: FreeSlotRules): FreeSlot[] {
  const members = memberIds.map((id) => ({ id, availability: new MemberAvailability(busy.get(id) ?? [], rules) }));
  const every = needsEveryMember(rules.type);
  const out: FreeSlot[] = [];
  for (const slot of slots) {
    // Every member's sweep must see every slot, so no short-circuit here.
    const free = members.filter((m) => m.availability.isFree(slot)).map((m) => m.id);
    if (free.length === 0 || (every && free.length !== members.length)) continue;
    out.push({ start: slot.start, end: slot.end, userIds: free });
  }
  return out;
}

/** The occupied range of an appointment at this start: [start − before, end + after). */
export function occupiedRange(start: Date, end: Date, bufferBeforeMinutes: number, bufferAfterMinutes: number): { from: Date; to: Date } {
  return { from: new Date(start.getTime() - bufferBeforeMinutes * MINUTE), to: new Date(end.getTime() + bufferAfterMinutes * MINUTE) };
}
