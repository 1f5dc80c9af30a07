import { DateTime } from 'luxon';
import { DataSource } from 'typeorm';
import { AccessService } from '../../app/auth/access.service';
import { canSeeLocation } from '../../app/auth/access-policy';
import { Viewer } from '../../app/auth/viewer';
import { Clock } from '../../app/clock';
import { badInput, notFound } from '../../app/errors/errors';
import { logger } from '../../app/logging/logger';
import { Provider } from '../../connections/connection.enums';
import { isUuid } from '../../app/validation/ids';
import { ConflictEvents } from '../../realtime/conflict-events';
import { Calendar } from '../calendar.entity';
import { CalendarType } from '../calendar-type.enum';
import { AvailabilityService, requireTeamMembers } from '../availability/availability.service';
import { CalendarContext, loadCalendarContext } from '../availability/calendar-context';
import { fairnessWindow, fairOrder } from '../availability/fair-pick';
import { MemberAvailability } from '../availability/free-members';
import { checkSlotStart, GridSlot, SlotStartProblem } from '../availability/slot-grid';
import { requireTimeRange } from '../time-range';
import { AppointmentStatus } from './appointment.enums';
import { AppointmentRepository, slotUnavailable } from './appointment.repository';
import { Appointment, BookAppointmentInput } from './appointment.types';
import { bookingDetails } from './booking-input';

/** The outbox, told after each commit that queued provider writes. */
export interface AppointmentWrites {
  appointmentChanged(appointmentId: string): Promise<void>;
}

/** Brings the participants' conflict calendars up to date when they may be stale (bounded). */
export interface ConflictFreshnessCheck {
  ensureFresh(locationId: string, userIds: readonly string[], providers: readonly Provider[]): Promise<void>;
}

const START_PROBLEMS: Record<SlotStartProblem, string> = {
  OFF_GRID: "is not a slot of this calendar (slots start on the calendar's grid inside its hours)",
  PAST: 'is in the past',
  NOTICE: "is sooner than the calendar's minimum notice allows",
  BEYOND_WINDOW: "is further ahead than the calendar's booking window allows",
};

/**
 * Booking (PRODUCT.md "Booking"). Every member of the location (any type or role) and the service token may
 * book, reschedule, cancel and read appointments. Free at commit: the participants' rows carry the occupied
 * range and PostgreSQL's exclusion constraint refuses any overlap, so of concurrent requests exactly one wins.
 */
export class BookingService {
  constructor(
    private readonly ds: DataSource,
    private readonly access: AccessService,
    private readonly availability: AvailabilityService,
    private readonly appointments: AppointmentRepository,
    private readonly conflicts: ConflictEvents,
    private readonly clock: Clock,
    private readonly writes?: AppointmentWrites,
    private readonly freshness?: ConflictFreshnessCheck,
  ) {}

  async book(viewer: Viewer, input: BookAppointmentInput): Promise<Appointment> {
    const details = bookingDetails(input);
    if (input.userId != null && !isUuid(input.userId)) throw badInput('userId', `user ${input.userId} is not an active team member of this calendar`);
    const calendar = await this.access.requireCalendar(viewer, input.calendarId, 'read');
    const ctx = await loadCalendarContext(this.ds, calendar);
    const slot = this.requireSlot(ctx, input.startTime);
    const named = input.userId == null ? null : requireTeamMembers(ctx, [input.userId], 'userId')[0];
    if (!ctx.team.length) throw slotUnavailable('This calendar has no active team member');

    // Who takes part: every member of a COLLECTIVE calendar; the named member; the one member of PERSONAL and
    // EVENT calendars; else (ROUND_ROBIN, SERVICE) the free members in fair order, tried one after another.
    const fixed = calendar.type === CalendarType.COLLECTIVE ? ctx.team : named ? [named] : calendar.type === CalendarType.ROUND_ROBIN || calendar.type === CalendarType.SERVICE ? null : [ctx.team[0]];
    const candidates = fixed ?? ctx.team;
    await this.freshness?.ensureFresh(calendar.locationId, candidates, ctx.providers);
    // The round-robin load is read alongside (for every candidate: the free ones are known only after).
    const window = fairnessWindow(slot.start);
    const [free, load] = await Promise.all([this.freeAmong(ctx, candidates, slot), fixed ? null : this.appointments.memberLoad(calendar.id, candidates, window.from, window.to)]);
    const base = { ...details, agencyId: calendar.agencyId, locationId: calendar.locationId, calendarId: calendar.id, start: slot.start, end: slot.end };
    const common = { ...base, bufferBeforeMinutes: calendar.bufferBeforeMinutes, bufferAfterMinutes: calendar.bufferAfterMinutes, meetingProvider: calendar.meetingProvider, providers: ctx.providers };

    let id: string | null = null;
    if (fixed) {
      if (free.length !== fixed.length) throw slotUnavailable();
      id = await this.insert(ctx, slot, { ...common, assignedUserId: named ?? fixed[0], participantIds: fixed });
    } else {
      if (!free.length) throw slotUnavailable();
      const order = fairOrder(free, load!);
      // A concurrent booking may take the first pick at commit: the next fair one gets it then.
      for (const userId of order) {
        id = await this.insert(ctx, slot, { ...common, assignedUserId: userId, participantIds: [userId] }).catch((err) => {
          if ((err as { code?: string }).code === 'SLOT_UNAVAILABLE') return null;
          throw err;
        });
        if (id) break;
      }
      if (!id) throw slotUnavailable();
    }
    // Committed: handing the writes to the outbox and reading the booking back do not wait for each other.
    const [, found] = await Promise.all([this.sendWrites(id), this.appointments.findById(id)]);
    const booked = found!;
    await this.announce(booked, [booked.occupied]);
    return booked;
  }

  async reschedule(viewer: Viewer, id: string, startTime: Date): Promise<Appointment> {
    const current = await this.requireAppointment(viewer, id);
    if (current.status === AppointmentStatus.CANCELLED) throw badInput('id', 'a cancelled appointment cannot be rescheduled; book a new one');
    const calendar = await this.ds.getRepository(Calendar).findOneByOrFail({ id: current.calendarId });
    const ctx = await loadCalendarContext(this.ds, calendar);
    const slot = this.requireSlot(ctx, startTime);
    await this.freshness?.ensureFresh(calendar.locationId, current.participantIds, ctx.providers);
    // Its own current time does not count against it.
    const free = await this.freeAmong(ctx, current.participantIds, slot, current.id);
    if (free.length !== current.participantIds.length) throw slotUnavailable();
    const time = { start: slot.start, end: slot.end, bufferBeforeMinutes: calendar.bufferBeforeMinutes, bufferAfterMinutes: calendar.bufferAfterMinutes };

    const before = await this.ds.transaction(async (tx) => {
      const locked = await this.appointments.lock(tx, current.id);
      if (!locked || locked.status === AppointmentStatus.CANCELLED) throw badInput('id', 'a cancelled appointment cannot be rescheduled; book a new one');
      await this.appointments.lockParticipants(tx, locked.participantIds);
      await this.requireDayCap(tx, ctx, slot, locked.participantIds, locked.id);
      await this.appointments.reschedule(tx, locked.id, time);
      return locked;
    });
    await this.sendWrites(current.id);
    const moved = (await this.appointments.findById(current.id))!;
    await this.announce(moved, [before.occupied, moved.occupied]);
    return moved;
  }

  /** Cancelling a cancelled appointment is a no-op that returns it. */
  async cancel(viewer: Viewer, id: string): Promise<Appointment> {
    const current = await this.requireAppointment(viewer, id);
    if (current.status === AppointmentStatus.CANCELLED) return current;
    const cancelled = await this.ds.transaction(async (tx) => {
      const locked = await this.appointments.lock(tx, current.id);
      if (!locked || locked.status === AppointmentStatus.CANCELLED) return null;
      await this.appointments.cancel(tx, locked.id);
      return locked;
    });
    if (cancelled) await this.sendWrites(current.id);
    const after = (await this.appointments.findById(current.id))!;
    if (cancelled) await this.announce(after, [cancelled.occupied]);
    return after;
  }

  /** A location's appointments overlapping [from, to); `userId` absent = every user the viewer may see. */
  async list(viewer: Viewer, locationId: string, from: Date, to: Date, userId?: string | null): Promise<Appointment[]> {
    requireTimeRange(from, to);
    if (userId != null && !isUuid(userId)) throw badInput('userId', `no member ${userId} of this location that you can see`);
    const location = await this.access.requireLocation(viewer, locationId, 'read');
    if (userId != null) await this.access.requireVisibleMembers(viewer, location, [userId], 'userId', (id) => `no member ${id} of this location that you can see`);
    const found = await this.appointments.list(location.id, from, to, userId ?? null);
    // Without a user: those with at least one participant the viewer may see (members who left the location are not).
    const visible = await this.access.visibleUsers(viewer, [...new Set(found.flatMap((a) => a.participantIds))]);
    return found.filter((a) => a.participantIds.some((p) => visible.has(p)));
  }

  /** An appointment of a location the viewer may see; anything else → NOT_FOUND. */
  private async requireAppointment(viewer: Viewer, id: string): Promise<Appointment> {
    const found = isUuid(id) ? await this.appointments.findById(id) : null;
    if (!found || !canSeeLocation(viewer, { id: found.locationId, agencyId: found.agencyId })) throw notFound('Appointment', id);
    return found;
  }

  /** A start on the calendar's grid, not past, inside notice and booking window; else BAD_USER_INPUT naming startTime. */
  private requireSlot(ctx: CalendarContext, start: Date): GridSlot {
    const checked = checkSlotStart(ctx.grid, start, this.clock.now());
    if ('problem' in checked) throw badInput('startTime', `${start.toISOString()} ${START_PROBLEMS[checked.problem]}`);
    return checked.slot;
  }

  /** Of these members, those free for the slot on local data (in the given order). */
  private async freeAmong(ctx: CalendarContext, members: readonly string[], slot: GridSlot, excludeAppointmentId?: string): Promise<string[]> {
    const busy = await this.availability.busyAround(ctx, members, [slot], excludeAppointmentId);
    return members.filter((id) => new MemberAvailability(busy.get(id) ?? [], ctx.rules).isFree(slot));
  }

  private insert(ctx: CalendarContext, slot: GridSlot, a: Parameters<AppointmentRepository['insert']>[1]): Promise<string> {
    return this.ds.transaction(async (tx) => {
      await this.appointments.lockParticipants(tx, a.participantIds);
      await this.requireDayCap(tx, ctx, slot, a.participantIds, null);
      return this.appointments.insert(tx, a);
    });
  }

  /** The daily cap, counted again under the participants' locks at commit (two bookings of one member's last place: one wins). */
  private async requireDayCap(tx: Parameters<AppointmentRepository['insert']>[0], ctx: CalendarContext, slot: GridSlot, userIds: readonly string[], excludeAppointmentId: string | null): Promise<void> {
    const cap = ctx.rules.maxAppointmentsPerDay;
    if (cap === null) return;
    const day = DateTime.fromISO(slot.localDate, { zone: ctx.zone });
    const counts = await this.appointments.countInRange(tx, ctx.calendar.id, userIds, day.toJSDate(), day.plus({ days: 1 }).toJSDate(), excludeAppointmentId);
    if (userIds.some((id) => (counts.get(id) ?? 0) >= cap)) throw slotUnavailable('This member has no more room on this calendar that day: pick another day');
  }

  /** Committed: the outbox takes the writes now (its sweep would find them anyway, so a failure here loses nothing). */
  private async sendWrites(appointmentId: string): Promise<void> {
    await this.writes?.appointmentChanged(appointmentId).catch((err) => logger.error({ err, appointmentId }, 'handing appointment writes to the outbox failed'));
  }

  /** conflictsChanged for every participant, wherever their blocking time shows. */
  private async announce(a: Appointment, ranges: Array<{ from: Date; to: Date }>): Promise<void> {
    this.conflicts.changed(await this.appointments.conflictAudience(a.participantIds, a.locationId), ranges);
  }
}
