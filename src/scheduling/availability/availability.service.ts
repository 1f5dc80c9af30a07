import { DateTime } from 'luxon';
import { DataSource } from 'typeorm';
import { AccessService } from '../../app/auth/access.service';
import { Viewer } from '../../app/auth/viewer';
import { Clock } from '../../app/clock';
import { badInput } from '../../app/errors/errors';
import { isUuid } from '../../app/validation/ids';
import { requireTimeRange } from '../time-range';
import { BusyInterval, BusyTimeRepository } from './busy-time';
import { CalendarContext, loadCalendarContext } from './calendar-context';
import { freeSlots } from './free-members';
import { unionOfRanges } from './interval-union';
import { bookableSlots, GridSlot } from './slot-grid';
import { Slot } from './slot.types';

const MINUTE = 60_000;
const notOnTeam = (id: string) => `user ${id} is not an active team member of this calendar`;

/** Free slots from local data only (PRODUCT.md "Availability"): no provider call happens here. */
export class AvailabilityService {
  constructor(
    private readonly ds: DataSource,
    private readonly access: AccessService,
    private readonly busy: BusyTimeRepository,
    private readonly clock: Clock,
  ) {}

  /** Readable by whoever may see the calendar. `userIds` restricts to those team members. */
  async freeSlots(viewer: Viewer, calendarId: string, from: Date, to: Date, userIds?: readonly string[] | null): Promise<Slot[]> {
    requireTimeRange(from, to);
    const malformed = userIds?.find((id) => !isUuid(id));
    if (malformed) throw badInput('userIds', notOnTeam(malformed));
    const calendar = await this.access.requireCalendar(viewer, calendarId, 'read');
    const ctx = await loadCalendarContext(this.ds, calendar);
    const members = userIds == null ? ctx.team : requireTeamMembers(ctx, userIds, 'userIds');
    const slots = bookableSlots(ctx.grid, from, to, this.clock.now());
    if (!slots.length || !members.length) return [];
    const busy = await this.busyAround(ctx, members, slots);
    return freeSlots(slots, members, busy, ctx.rules).map((s) => Object.assign(new Slot(), { startTime: s.start, endTime: s.end, userIds: s.userIds }));
  }

  /**
   * The members' busy time that can matter to these slots (in start order): appointments overlapping the slots
   * with this calendar's buffers, and with a daily cap the whole local days they fall on; third-party events
   * overlapping the slots themselves (outside the calendar's hours they change nothing, and are not read).
   */
  busyAround(ctx: CalendarContext, members: readonly string[], slots: readonly GridSlot[], excludeAppointmentId?: string): Promise<Map<string, BusyInterval[]>> {
    let from = slots[0].start.getTime() - ctx.rules.bufferBeforeMinutes * MINUTE;
    let to = slots[slots.length - 1].end.getTime() + ctx.rules.bufferAfterMinutes * MINUTE;
    if (ctx.rules.maxAppointmentsPerDay !== null) {
      from = Math.min(from, DateTime.fromJSDate(slots[0].start, { zone: ctx.zone }).startOf('day').toMillis());
      to = Math.max(to, DateTime.fromJSDate(slots[slots.length - 1].start, { zone: ctx.zone }).plus({ days: 1 }).startOf('day').toMillis());
    }
    const eventSpans = unionOfRanges(slots.map((s) => ({ start: s.start.getTime(), end: s.end.getTime() })));
    return this.busy.busyTimes({ userIds: members, from: new Date(from), to: new Date(to), providers: ctx.providers, calendarId: ctx.calendar.id, locationId: ctx.calendar.locationId, excludeAppointmentId, eventSpans });
  }
}

/** Named members must be on the calendar's active team (else BAD_USER_INPUT naming `field`); returned in team order. */
export function requireTeamMembers(ctx: CalendarContext, ids: readonly string[], field: string): string[] {
  const outsider = ids.find((id) => !ctx.team.includes(id));
  if (outsider) throw badInput(field, notOnTeam(outsider));
  return ctx.team.filter((id) => ids.includes(id));
}
