import { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../../app/errors/domain.error';
import { logger } from '../../app/logging/logger';
import type { NormalizedEvent } from '../../providers/calendar-provider';
import { ConflictEvents } from '../../realtime/conflict-events';
import type { OwnEventBatch, OwnEventObserver } from '../../sync/own-event-observer';
import type { CheckedEventTarget } from '../../sync/outbox/own-event-check.service';
import { AppointmentStatus } from './appointment.enums';
import { AppointmentRepository } from './appointment.repository';
import type { Appointment } from './appointment.types';
import type { AppointmentWrites } from './booking.service';

interface WriteRow {
  id: string;
  appointment_id: string;
  user_id: string;
  idempotency_key: string;
  external_event_id: string | null;
  /** Written, matching the appointment's version, and recorded before the sync began reading. */
  settled: boolean;
  status: AppointmentStatus;
  start_time: Date;
  end_time: Date;
  two_way: boolean;
  provider: string;
}

const WRITES = `SELECT w.id, w.appointment_id, w.user_id, w.idempotency_key, w.external_event_id, a.status, a.start_time, a.end_time,
       (w.state = 'WRITTEN' AND w.written_version = w.version AND w.updated_at <= $2) AS settled,
       coalesce(cfg.sync_direction, 'TWO_WAY') = 'TWO_WAY' AS two_way, c.provider
  FROM appointment_writes w
  JOIN appointments a ON a.id = w.appointment_id
  JOIN provider_calendars pc ON pc.id = w.provider_calendar_id
  JOIN connections c ON c.id = pc.connection_id
  LEFT JOIN calendar_configurations cfg ON cfg.location_id = a.location_id AND cfg.user_id = w.user_id`;

const LABEL: Record<string, string> = { OUTLOOK: 'Outlook', GOOGLE: 'Google Calendar' };

/** Reads an event by its id before its disappearance is believed (a job: src/sync/outbox/own-event-check.service.ts). */
export interface OwnEventChecks {
  request(writeId: string): Promise<void>;
}

/**
 * Two-way sync of appointments (PRODUCT.md "Sync"). For a participant whose syncDirection is TWO_WAY, their
 * appointment's event moved at the provider reschedules the appointment and deleted cancels it: the provider is
 * the truth, so neither the slot grid, the notice, the booking window, the daily cap nor third-party busy time is
 * checked. Two appointments of one person still never overlap (the exclusion constraint): a move onto another
 * appointment's time is undone at the provider instead, saying why. With ONE_WAY the provider's edits change
 * nothing, and the next change from the CRM overwrites them.
 *
 * Our own writes come back through the sync too. An event is only taken as the user's edit when its write is
 * WRITTEN at the appointment's current version, recorded before the sync began reading (an older read may show
 * the event as it was before our last write), and its times differ from the appointment's (the same times are an
 * echo of our write).
 *
 * An event a sync no longer sees is not taken for deleted at once: an event moved out of the sync window looks
 * the same (Graph's delta reports it removed; Google's lands outside the window). It is read by its id first (a
 * job): gone → the appointment is cancelled; still there → rescheduled to its time, even outside the window.
 */
export class ProviderEditsService implements OwnEventObserver, CheckedEventTarget {
  constructor(
    private readonly ds: DataSource,
    private readonly appointments: AppointmentRepository,
    private readonly conflicts: ConflictEvents,
    private readonly outbox: AppointmentWrites,
    private readonly checks: OwnEventChecks,
  ) {}

  async changed(batch: OwnEventBatch): Promise<void> {
    const byKey = new Map(batch.upserts.map((e) => [e.clientKey!, e]));
    const rows: WriteRow[] = await this.ds.query(
      `${WRITES} WHERE w.provider_calendar_id = $1 AND (w.idempotency_key = ANY($3::text[]) OR w.external_event_id = ANY($4::text[]))`,
      [batch.calendarId, batch.readStartedAt, [...byKey.keys()], batch.removedIds],
    );
    const removed = new Set(batch.removedIds);
    for (const w of rows) {
      if (!w.settled || !w.two_way || w.status !== AppointmentStatus.CONFIRMED || !w.external_event_id) continue;
      const e = byKey.get(w.idempotency_key);
      if (e && e.externalId === w.external_event_id && !removed.has(e.externalId)) {
        if (e.start.getTime() !== w.start_time.getTime() || e.end.getTime() !== w.end_time.getTime()) await this.moved(w, e);
      } else if (removed.has(w.external_event_id)) {
        await this.checks.request(w.id);
      }
    }
  }

  async fullSyncEnded(calendarId: string, readStartedAt: Date, seenIds: ReadonlySet<string>, window: { from: Date; to: Date }): Promise<void> {
    const rows: WriteRow[] = await this.ds.query(
      `${WRITES} WHERE w.provider_calendar_id = $1 AND w.external_event_id IS NOT NULL AND NOT (w.external_event_id = ANY($3::text[]))
          AND a.status = 'CONFIRMED' AND a.start_time < $5 AND a.end_time > $4`,
      [calendarId, readStartedAt, [...seenIds], window.from, window.to],
    );
    for (const w of rows) if (w.settled && w.two_way) await this.checks.request(w.id);
  }

  /** The event read by its id after a sync stopped seeing it: gone → cancelled; elsewhere → rescheduled there. */
  async eventChecked(writeId: string, event: NormalizedEvent | null, readStartedAt: Date): Promise<void> {
    const [w]: WriteRow[] = await this.ds.query(`${WRITES} WHERE w.id = $1`, [writeId, readStartedAt]);
    if (!w || !w.settled || !w.two_way || w.status !== AppointmentStatus.CONFIRMED || !w.external_event_id) return;
    if (!event) {
      await this.deleted(w);
      return;
    }
    if (event.externalId !== w.external_event_id) return;
    if (event.start.getTime() !== w.start_time.getTime() || event.end.getTime() !== w.end_time.getTime()) await this.moved(w, event);
  }

  /** Moved at the provider: the appointment follows, unless a participant has another appointment there. */
  private async moved(w: WriteRow, e: NormalizedEvent): Promise<void> {
    let change: { before: Appointment; after: Appointment } | null;
    try {
      change = await this.ds.transaction(async (tx) => {
        const before = await this.appointments.lock(tx, w.appointment_id);
        if (!before || before.status !== AppointmentStatus.CONFIRMED || !(await this.stillSettled(tx, w.id))) return null;
        await this.appointments.lockParticipants(tx, before.participantIds);
        await this.appointments.reschedule(tx, before.id, { start: e.start, end: e.end, bufferBeforeMinutes: before.bufferBeforeMinutes, bufferAfterMinutes: before.bufferAfterMinutes });
        await this.alreadyAtProvider(tx, w.id);
        return { before, after: (await this.appointments.findById(before.id, tx))! };
      });
    } catch (err) {
      if (!(err instanceof DomainError && err.code === 'SLOT_UNAVAILABLE')) throw err;
      await this.moveBack(w);
      return;
    }
    if (!change) return;
    logger.info({ appointmentId: w.appointment_id, userId: w.user_id, start: e.start, end: e.end }, 'appointment moved at the provider: rescheduled (two-way)');
    await this.after(change.after, [change.before.occupied, change.after.occupied]);
  }

  /** Deleted at the provider: the appointment is cancelled; the other participants' events are deleted. */
  private async deleted(w: WriteRow): Promise<void> {
    const before = await this.ds.transaction(async (tx) => {
      const locked = await this.appointments.lock(tx, w.appointment_id);
      if (!locked || locked.status !== AppointmentStatus.CONFIRMED || !(await this.stillSettled(tx, w.id))) return null;
      await this.appointments.cancel(tx, locked.id);
      await this.alreadyAtProvider(tx, w.id);
      return locked;
    });
    if (!before) return;
    logger.info({ appointmentId: w.appointment_id, userId: w.user_id }, 'appointment deleted at the provider: cancelled (two-way)');
    await this.after((await this.appointments.findById(before.id))!, [before.occupied]);
  }

  /** The provider time would overlap another appointment of a participant: the event goes back to the CRM's time. */
  private async moveBack(w: WriteRow): Promise<void> {
    const reason = `This appointment was moved in ${LABEL[w.provider] ?? 'the calendar'} onto time already taken by another appointment, so calbridge moved it back. Reschedule it to a free time instead.`;
    await this.ds.query(
      `UPDATE appointment_writes SET written_version = NULL, state = 'PENDING', operation = 'UPDATE', next_attempt_at = now(), attempts = 0, last_error = $2, updated_at = now()
        WHERE id = $1 AND state = 'WRITTEN' AND written_version = version`,
      [w.id, reason],
    );
    logger.info({ appointmentId: w.appointment_id, userId: w.user_id }, 'appointment moved at the provider onto another appointment: moved back');
    await this.outbox.appointmentChanged(w.appointment_id);
  }

  private async stillSettled(tx: EntityManager, writeId: string): Promise<boolean> {
    const [row] = await tx.query(`SELECT 1 FROM appointment_writes WHERE id = $1 AND state = 'WRITTEN' AND written_version = version FOR UPDATE`, [writeId]);
    return !!row;
  }

  /** The participant whose event changed has it already: nothing to write back to them. */
  private async alreadyAtProvider(tx: EntityManager, writeId: string): Promise<void> {
    await tx.query(`UPDATE appointment_writes SET written_version = version, state = 'WRITTEN', last_error = NULL WHERE id = $1`, [writeId]);
  }

  private async after(a: Appointment, ranges: Array<{ from: Date; to: Date }>): Promise<void> {
    this.conflicts.changed(await this.appointments.conflictAudience(a.participantIds, a.locationId), ranges);
    await this.outbox.appointmentChanged(a.id);
  }
}
