import { DateTime } from 'luxon';
import { CalendarType } from '../calendar-type.enum';
import { BusyInterval } from './busy-time';
import { unionOf, UnionSweep } from './interval-union';
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

/** One member's availability over a run of slots in start order. */
export class MemberAvailability {
  private readonly appointments: UnionSweep;
  private readonly events: UnionSweep;
  private readonly perDay = new Map<string, number>();

  constructor(
    busy: readonly BusyInterval[],
    private readonly rules: FreeSlotRules,
  ) {
    let appointments = 0;
    for (const b of busy) if (b.kind === 'APPOINTMENT') appointments++;
    const apptStarts = new Float64Array(appointments);
    const apptEnds = new Float64Array(appointments);
    const eventStarts = new Float64Array(busy.length - appointments);
    const eventEnds = new Float64Array(busy.length - appointments);
    let a = 0;
    let e = 0;
    for (const b of busy) {
      if (b.kind === 'APPOINTMENT') {
        apptStarts[a] = b.start;
        apptEnds[a++] = b.end;
      } else {
        eventStarts[e] = b.start;
        eventEnds[e++] = b.end;
      }
    }
    this.appointments = new UnionSweep(unionOf(apptStarts, apptEnds));
    this.events = new UnionSweep(unionOf(eventStarts, eventEnds));
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
