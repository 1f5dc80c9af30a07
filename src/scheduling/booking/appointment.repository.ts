import { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../../app/errors/domain.error';
import { Provider } from '../../connections/connection.enums';
import { MemberLoad } from '../availability/fair-pick';
import { AppointmentStatus, ProviderWriteState, WriteOperation } from './appointment.enums';
import { Appointment, ParticipantWrite } from './appointment.types';

type Db = DataSource | EntityManager;

interface AppointmentRow {
  id: string;
  agency_id: string;
  location_id: string;
  calendar_id: string;
  assigned_user_id: string;
  title: string;
  description: string | null;
  start_time: Date;
  end_time: Date;
  buffer_before_minutes: number;
  buffer_after_minutes: number;
  status: AppointmentStatus;
}

interface WriteRow {
  appointment_id: string;
  user_id: string;
  position: number;
  state: ProviderWriteState | null;
  provider_calendar_id: string | null;
  last_error: string | null;
  meeting_url: string | null;
}

export interface NewAppointment {
  agencyId: string;
  locationId: string;
  calendarId: string;
  assignedUserId: string;
  /** In team order. */
  participantIds: string[];
  title: string;
  description: string | null;
  attendeeEmails: string[];
  start: Date;
  end: Date;
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
  meetingProvider: string;
  /** The CRM calendar's supportedProviders: a linked calendar of another provider is not written to. */
  providers: readonly Provider[];
}

export interface NewTime {
  start: Date;
  end: Date;
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
}

const COLUMNS = `a.id, a.agency_id, a.location_id, a.calendar_id, a.assigned_user_id, a.title, a.description, a.start_time, a.end_time,
  a.buffer_before_minutes, a.buffer_after_minutes, a.status`;

/** The slot is taken: a participant's occupied range meets one of theirs (the exclusion constraint said so), or their day is full. */
export const slotUnavailable = (msg = 'This time is no longer free: pick another slot') => new DomainError('SLOT_UNAVAILABLE', msg);

/** PostgreSQL refused an overlapping confirmed participant row (exclusion_violation on the no-overlap constraint). */
export const isOverlapViolation = (err: unknown): boolean =>
  (err as { code?: string })?.code === '23P01' && String((err as { constraint?: string }).constraint ?? (err as Error).message).includes('appointment_participants_no_overlap');

/** SQL of appointments, their participants and their outbox rows. */
export class AppointmentRepository {
  constructor(private readonly ds: DataSource) {}

  async findById(id: string, db: Db = this.ds): Promise<Appointment | null> {
    const rows: AppointmentRow[] = await db.query(`SELECT ${COLUMNS} FROM appointments a WHERE a.id = $1`, [id]);
    return (await this.hydrate(rows, db))[0] ?? null;
  }

  /** The row locked for a change (reschedule, cancel): concurrent changes of one appointment run one after another. */
  async lock(tx: EntityManager, id: string): Promise<Appointment | null> {
    const rows: AppointmentRow[] = await tx.query(`SELECT ${COLUMNS} FROM appointments a WHERE a.id = $1 FOR UPDATE`, [id]);
    return (await this.hydrate(rows, tx))[0] ?? null;
  }

  /** Appointments of a location overlapping [from, to), optionally only those a user takes part in; in start order. */
  async list(locationId: string, from: Date, to: Date, userId: string | null): Promise<Appointment[]> {
    const rows: AppointmentRow[] = await this.ds.query(
      `SELECT ${COLUMNS} FROM appointments a
        WHERE a.location_id = $1 AND a.start_time < $3 AND a.end_time > $2
          AND ($4::uuid IS NULL OR EXISTS (SELECT 1 FROM appointment_participants p WHERE p.appointment_id = a.id AND p.user_id = $4::uuid))
        ORDER BY a.start_time, a.id`,
      [locationId, from, to, userId],
    );
    return this.hydrate(rows, this.ds);
  }

  /**
   * Inserts the appointment, a participant row per participant (the exclusion constraint refuses an overlap:
   * SLOT_UNAVAILABLE) and an outbox row per participant: PENDING towards their linked calendar in the calendar's
   * location when it is of a supported provider, NOT_LINKED otherwise. Returns the id. One statement: it runs
   * under the participants' booking locks, which other bookings of them wait for.
   */
  async insert(tx: EntityManager, a: NewAppointment): Promise<string> {
    const [{ id }] = await translateOverlap(() =>
      tx.query(
        `WITH a AS (
           INSERT INTO appointments (agency_id, location_id, calendar_id, assigned_user_id, title, description, attendee_emails, start_time, end_time,
                                     buffer_before_minutes, buffer_after_minutes, meeting_provider)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id
         ), p AS (
           INSERT INTO appointment_participants (appointment_id, user_id, position, calendar_id, start_time, status, occupied)
           SELECT a.id, m.user_id, m.position - 1, $3, $8, 'CONFIRMED', tstzrange($13, $14)
             FROM a, unnest($15::uuid[]) WITH ORDINALITY AS m(user_id, position)
           RETURNING appointment_id, user_id
         ), w AS (
           INSERT INTO appointment_writes (appointment_id, user_id, provider_calendar_id, state, operation, version)
           SELECT p.appointment_id, p.user_id, pc.id, CASE WHEN pc.id IS NULL THEN 'NOT_LINKED' ELSE 'PENDING' END, 'CREATE', 1
             FROM p
             LEFT JOIN calendar_configurations cfg ON cfg.location_id = $2 AND cfg.user_id = p.user_id
             LEFT JOIN LATERAL (
               SELECT pc.id FROM provider_calendars pc JOIN connections c ON c.id = pc.connection_id
                WHERE pc.id = cfg.linked_calendar_id AND c.provider = ANY($16::text[])) pc ON true
         )
         SELECT id FROM a`,
        [
          a.agencyId, a.locationId, a.calendarId, a.assignedUserId, a.title, a.description, a.attendeeEmails, a.start, a.end,
          a.bufferBeforeMinutes, a.bufferAfterMinutes, a.meetingProvider, ...occupied(a), a.participantIds, a.providers,
        ],
      ),
    );
    return id;
  }

  /** Moves a confirmed appointment: its rows, and its outbox rows towards the new version (CREATE until one was written). */
  async reschedule(tx: EntityManager, id: string, t: NewTime): Promise<void> {
    await tx.query(
      `UPDATE appointments SET start_time = $2, end_time = $3, buffer_before_minutes = $4, buffer_after_minutes = $5, version = version + 1, updated_at = now() WHERE id = $1`,
      [id, t.start, t.end, t.bufferBeforeMinutes, t.bufferAfterMinutes],
    );
    await translateOverlap(() => tx.query(`UPDATE appointment_participants SET start_time = $2, occupied = tstzrange($3, $4) WHERE appointment_id = $1`, [id, t.start, ...occupied(t)]));
    await this.queueWrites(tx, id, `CASE WHEN written_version IS NULL THEN 'CREATE' ELSE 'UPDATE' END`);
  }

  /** Cancels a confirmed appointment: its time is freed at once; the outbox deletes the provider events. */
  async cancel(tx: EntityManager, id: string): Promise<void> {
    await tx.query(`UPDATE appointments SET status = 'CANCELLED', cancelled_at = now(), version = version + 1, updated_at = now() WHERE id = $1`, [id]);
    await tx.query(`UPDATE appointment_participants SET status = 'CANCELLED' WHERE appointment_id = $1`, [id]);
    await this.queueWrites(tx, id, `'${WriteOperation.DELETE}'`);
  }

  /** Every linked write of the appointment is due again, towards its new version; NOT_LINKED ones stay so. */
  private async queueWrites(tx: EntityManager, id: string, operation: string): Promise<void> {
    await tx.query(
      `UPDATE appointment_writes w SET operation = ${operation}, version = a.version,
              state = CASE WHEN w.state = 'NOT_LINKED' THEN 'NOT_LINKED' ELSE 'PENDING' END,
              attempts = 0, next_attempt_at = now(), last_error = NULL, updated_at = now()
         FROM appointments a WHERE a.id = w.appointment_id AND w.appointment_id = $1`,
      [id],
    );
  }

  /**
   * Takes the participants' booking locks (in one global order) until the transaction ends. The exclusion
   * constraint alone decides who wins, but two transactions inserting overlapping rows for one user wait for each
   * other and PostgreSQL breaks the cycle as a deadlock after a second: with the lock they queue instead, and the
   * losers fail at once. It also serialises what the constraint cannot see, the daily cap.
   */
  async lockParticipants(tx: EntityManager, userIds: readonly string[]): Promise<void> {
    for (const userId of [...new Set(userIds)].sort()) await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`booking:${userId}`]);
  }

  /** Confirmed appointments of each user on the calendar starting in [dayFrom, dayTo) (call under lockParticipants). */
  async countInRange(tx: EntityManager, calendarId: string, userIds: readonly string[], dayFrom: Date, dayTo: Date, excludeAppointmentId: string | null): Promise<Map<string, number>> {
    const rows: Array<{ user_id: string; n: number }> = await tx.query(
      `SELECT user_id, count(*)::int AS n FROM appointment_participants
        WHERE calendar_id = $1 AND user_id = ANY($2::uuid[]) AND status = 'CONFIRMED' AND start_time >= $3 AND start_time < $4
          AND ($5::uuid IS NULL OR appointment_id <> $5::uuid)
        GROUP BY user_id`,
      [calendarId, userIds, dayFrom, dayTo, excludeAppointmentId],
    );
    return new Map(rows.map((r) => [r.user_id, r.n]));
  }

  /** Round-robin load: confirmed appointments on the calendar starting in [from, to), and each member's latest booking there. */
  async memberLoad(calendarId: string, userIds: readonly string[], from: Date, to: Date): Promise<Map<string, MemberLoad>> {
    const rows: Array<{ user_id: string; recent: number; last_booked_at: Date | null }> = await this.ds.query(
      `SELECT p.user_id,
              count(*) FILTER (WHERE p.start_time >= $3 AND p.start_time < $4)::int AS recent,
              max(p.booked_at) AS last_booked_at
         FROM appointment_participants p
        WHERE p.calendar_id = $1 AND p.user_id = ANY($2::uuid[]) AND p.status = 'CONFIRMED'
        GROUP BY p.user_id`,
      [calendarId, userIds, from, to],
    );
    return new Map(rows.map((r) => [r.user_id, { recentCount: r.recent, lastBookedAt: r.last_booked_at }]));
  }

  /**
   * Where each user's blocking time shows (conflictsChanged): the given location, every location they were
   * added to, and for agency admins every location of their agency.
   */
  async conflictAudience(userIds: readonly string[], locationId: string): Promise<Array<{ userId: string; locationId: string }>> {
    const rows: Array<{ user_id: string; location_id: string }> = await this.ds.query(
      `SELECT u.id AS user_id, l.id AS location_id
         FROM users u JOIN locations l ON l.agency_id = u.agency_id
        WHERE u.id = ANY($1::uuid[])
          AND (l.id = $2 OR (u.type = 'AGENCY' AND u.role = 'ADMIN')
               OR EXISTS (SELECT 1 FROM location_members m WHERE m.user_id = u.id AND m.location_id = l.id))
        ORDER BY u.id, l.id`,
      [userIds, locationId],
    );
    return rows.map((r) => ({ userId: r.user_id, locationId: r.location_id }));
  }

  /** Rows to Appointments with their participants and writes: one more query whatever their number. */
  private async hydrate(rows: AppointmentRow[], db: Db): Promise<Appointment[]> {
    if (!rows.length) return [];
    const writes: WriteRow[] = await db.query(
      `SELECT p.appointment_id, p.user_id, p.position, w.state, w.provider_calendar_id, w.last_error, w.meeting_url
         FROM appointment_participants p
         LEFT JOIN appointment_writes w ON w.appointment_id = p.appointment_id AND w.user_id = p.user_id
        WHERE p.appointment_id = ANY($1::uuid[]) ORDER BY p.appointment_id, p.position`,
      [rows.map((r) => r.id)],
    );
    const byAppointment = new Map<string, WriteRow[]>();
    for (const w of writes) byAppointment.set(w.appointment_id, [...(byAppointment.get(w.appointment_id) ?? []), w]);
    return rows.map((r) => {
      const parts = byAppointment.get(r.id) ?? [];
      return Object.assign(new Appointment(), {
        id: r.id,
        agencyId: r.agency_id,
        locationId: r.location_id,
        calendarId: r.calendar_id,
        assignedUserId: r.assigned_user_id,
        participantIds: parts.map((p) => p.user_id),
        title: r.title,
        description: r.description,
        startTime: r.start_time,
        endTime: r.end_time,
        bufferBeforeMinutes: r.buffer_before_minutes,
        bufferAfterMinutes: r.buffer_after_minutes,
        status: r.status,
        meetingUrl: meetingUrlOf(r.assigned_user_id, parts),
        writes: parts.map((p) =>
          Object.assign(new ParticipantWrite(), {
            userId: p.user_id,
            providerCalendarId: p.provider_calendar_id,
            state: p.state ?? ProviderWriteState.NOT_LINKED,
            error: p.last_error,
          }),
        ),
      });
    });
  }
}

/**
 * The appointment's join link: each linked participant's event gets its own meeting from their provider; the
 * assigned user's is the appointment's, else the first participant's (team order) that has one.
 */
function meetingUrlOf(assignedUserId: string, writes: readonly WriteRow[]): string | null {
  return writes.find((w) => w.user_id === assignedUserId)?.meeting_url ?? writes.find((w) => w.meeting_url)?.meeting_url ?? null;
}

function occupied(t: { start: Date; end: Date; bufferBeforeMinutes: number; bufferAfterMinutes: number }): [Date, Date] {
  return [new Date(t.start.getTime() - t.bufferBeforeMinutes * 60_000), new Date(t.end.getTime() + t.bufferAfterMinutes * 60_000)];
}

/** The no-overlap constraint's refusal is the contract's SLOT_UNAVAILABLE. */
async function translateOverlap<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (isOverlapViolation(err)) throw slotUnavailable();
    throw err;
  }
}
