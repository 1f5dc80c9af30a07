import { DataSource } from 'typeorm';
import { BACKGROUND_SQL } from '../../app/database/data-source';
import { rows } from '../../app/database/sql';
import { Provider } from '../../connections/connection.enums';
import { AppointmentStatus, ProviderWriteState } from '../../scheduling/booking/appointment.enums';
import type { AppointmentContent, WriteProgress } from './write-plan';

/** A write the worker holds the lease of, with what it needs to bring the provider event to its version. */
export interface ClaimedWrite extends WriteProgress, AppointmentContent {
  id: string;
  appointmentId: string;
  userId: string;
  locationId: string;
  status: AppointmentStatus;
  idempotencyKey: string;
  attempts: number;
  /** Null once the calendar was removed (disconnect, dropped from the account): nothing can be written there any more. */
  target: { providerCalendarId: string; calendarExternalId: string; calendarName: string; connectionId: string; provider: Provider } | null;
  /**
   * The claim already recorded the create about to go out as sent (createSentVersion is what earlier attempts had
   * sent: null, nothing). Only where the connection could write when claimed.
   */
  createMarked: boolean;
}

interface Row {
  id: string;
  appointment_id: string;
  user_id: string;
  location_id: string;
  status: AppointmentStatus;
  idempotency_key: string;
  attempts: number;
  version: number;
  written_version: number | null;
  external_event_id: string | null;
  create_sent_version: number | null;
  title: string;
  description: string | null;
  start_time: Date;
  end_time: Date;
  timezone: string;
  attendee_emails: string[];
  meeting_provider: string;
  provider_calendar_id: string | null;
  calendar_external_id: string | null;
  calendar_name: string | null;
  connection_id: string | null;
  provider: Provider | null;
  /** Claims only: create_sent_version before the claim marked the create as sent. */
  sent_before?: number | null;
}

/** What a step wrote, recorded only while the worker still holds the lease. */
export interface StepResult {
  /** The version the provider event holds now. */
  writtenVersion: number;
  externalEventId?: string;
  meetingUrl?: string | null;
  /** Shown as the write's error though it succeeded (e.g. why the meeting link is missing); null clears it. */
  note: string | null;
}

// Due: pending, its time come, and nobody's lease running (a killed worker's lease runs out and the write comes back).
const DUE = `w.state = 'PENDING' AND w.next_attempt_at <= now() AND (w.lease_until IS NULL OR w.lease_until < now())`;

/**
 * SQL of the outbox workers. A worker claims a write with a lease (FOR UPDATE SKIP LOCKED: concurrent workers
 * never wait on each other or take the same write), and records each step only while it still holds it. A
 * change of the appointment (reschedule, cancel) bumps the row's version in the booking's transaction without
 * touching the lease: the recording worker sees the newer version (compare-and-set) and carries on with it.
 */
export class OutboxRepository {
  constructor(private readonly ds: DataSource) {}

  /** Leases this write if it is due; false when it is not (or another worker holds it). */
  async claim(id: string, owner: string, leaseSeconds: number): Promise<boolean> {
    const claimed = await rows(
      this.ds,
      `UPDATE appointment_writes SET lease_owner = $2, lease_until = now() + make_interval(secs => $3)
        WHERE id = (SELECT w.id FROM appointment_writes w WHERE w.id = $1 AND ${DUE} FOR UPDATE SKIP LOCKED) RETURNING id`,
      [id, owner, leaseSeconds],
    );
    return claimed.length > 0;
  }

  /**
   * Leases up to `limit` due writes towards one connection's calendars (null: writes whose calendar is gone), oldest
   * first, in one statement, with what each needs; `skip` are writes this worker already tried. A write whose next
   * step is a create, towards a connection that can write, is recorded as sent in the same statement (as
   * markCreateSent would right before the call): the create goes out next, and should it not, a later cancel only
   * costs a create found by its key and a delete.
   */
  async claimDue(connectionId: string | null, owner: string, limit: number, leaseSeconds: number, skip: readonly string[]): Promise<ClaimedWrite[]> {
    const target =
      connectionId === null
        ? `w.provider_calendar_id IS NULL AND $1::uuid IS NULL`
        : `w.provider_calendar_id IN (SELECT pc.id FROM provider_calendars pc WHERE pc.connection_id = $1::uuid)`;
    const found = await rows<Row>(
      this.ds,
      `WITH picked AS (
         SELECT w.id, w.create_sent_version AS sent_before FROM appointment_writes w
          WHERE ${target} AND ${DUE} AND NOT (w.id = ANY($5::uuid[]))
          ORDER BY w.next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED),
       claimed AS (
         UPDATE appointment_writes w SET lease_owner = $2, lease_until = now() + make_interval(secs => $4),
                create_sent_version = CASE
                  WHEN w.create_sent_version IS NULL AND w.external_event_id IS NULL AND w.written_version IS DISTINCT FROM w.version
                   AND EXISTS (SELECT 1 FROM appointments a WHERE a.id = w.appointment_id AND a.status = 'CONFIRMED')
                   AND EXISTS (SELECT 1 FROM provider_calendars pc JOIN connections c ON c.id = pc.connection_id
                                WHERE pc.id = w.provider_calendar_id AND c.status <> 'NEEDS_REAUTH' AND c.pause_reason = 'NONE')
                  THEN w.version ELSE w.create_sent_version END
           FROM picked p WHERE w.id = p.id
         RETURNING w.*, p.sent_before)
       ${withContent('claimed')} ORDER BY w.next_attempt_at`,
      [connectionId, owner, limit, leaseSeconds, skip],
    );
    return found.map(toClaimed);
  }

  /** The connections with due writes (null: writes whose calendar is gone): the sweep hands each to a worker. */
  async dueConnections(limit: number): Promise<Array<string | null>> {
    const found = await rows<{ connection_id: string | null }>(
      this.ds,
      `${BACKGROUND_SQL} SELECT DISTINCT pc.connection_id
         FROM (SELECT w.provider_calendar_id FROM appointment_writes w WHERE ${DUE} ORDER BY w.next_attempt_at LIMIT 1000) w
         LEFT JOIN provider_calendars pc ON pc.id = w.provider_calendar_id
        LIMIT $1`,
      [limit],
    );
    return found.map((r) => r.connection_id);
  }

  /** The connections an appointment's pending writes go to (null: a calendar that is gone). */
  async pendingConnections(appointmentId: string): Promise<Array<string | null>> {
    const found = await rows<{ connection_id: string | null }>(
      this.ds,
      `SELECT DISTINCT pc.connection_id FROM appointment_writes w LEFT JOIN provider_calendars pc ON pc.id = w.provider_calendar_id
        WHERE w.appointment_id = $1 AND w.state = 'PENDING'`,
      [appointmentId],
    );
    return found.map((r) => r.connection_id);
  }

  /** Whether any write is leased or due within `seconds` (tests wait for the work they caused; longer backoffs do not count). */
  async busyWithin(seconds: number): Promise<boolean> {
    const found = await rows(this.ds, `${BACKGROUND_SQL} SELECT 1 FROM appointment_writes w WHERE w.state = 'PENDING' AND (w.lease_until > now() OR w.next_attempt_at <= now() + make_interval(secs => $1)) LIMIT 1`, [seconds]);
    return found.length > 0;
  }

  /** The leased write with its appointment and target; null when the lease was lost. Renews the lease. */
  async load(id: string, owner: string, leaseSeconds: number): Promise<ClaimedWrite | null> {
    const [r] = await rows<Row>(
      this.ds,
      `WITH renewed AS (
         UPDATE appointment_writes SET lease_until = now() + make_interval(secs => $3) WHERE id = $1 AND lease_owner = $2 RETURNING *)
       ${withContent('renewed')}`,
      [id, owner, leaseSeconds],
    );
    return r ? toClaimed(r) : null;
  }

  /** Before a create goes out: from now on the provider may have the event, even if the answer never comes. */
  async markCreateSent(id: string, owner: string, version: number): Promise<void> {
    await this.ds.query(`UPDATE appointment_writes SET create_sent_version = coalesce(create_sent_version, $3) WHERE id = $1 AND lease_owner = $2`, [id, owner, version]);
  }

  /**
   * Records a step that succeeded. WRITTEN only if the row still asks for the version written (compare-and-set),
   * and then the lease ends in the same statement; otherwise it stays PENDING, leased, for the worker's next step.
   * Returns the row's state, or null if the lease was lost.
   */
  async recordStep(id: string, owner: string, r: StepResult): Promise<ProviderWriteState | null> {
    const [row] = await rows<{ state: ProviderWriteState }>(
      this.ds,
      `UPDATE appointment_writes
          SET written_version = $3,
              external_event_id = coalesce($4, external_event_id),
              meeting_url = coalesce($5, meeting_url),
              state = CASE WHEN version = $3 THEN 'WRITTEN' ELSE 'PENDING' END,
              operation = CASE WHEN version = $3 THEN operation WHEN (SELECT status FROM appointments WHERE id = appointment_id) = 'CANCELLED' THEN 'DELETE' ELSE 'UPDATE' END,
              last_error = $6, attempts = 0, updated_at = now(),
              lease_owner = CASE WHEN version = $3 THEN NULL ELSE lease_owner END,
              lease_until = CASE WHEN version = $3 THEN NULL ELSE lease_until END
        WHERE id = $1 AND lease_owner = $2
        RETURNING state`,
      [id, owner, r.writtenVersion, r.externalEventId ?? null, r.meetingUrl ?? null, r.note],
    );
    return row?.state ?? null;
  }

  /**
   * The event was deleted at the provider before an update reached it: the next step creates it anew, under a
   * new key (the old one names the deleted event).
   */
  async startOver(id: string, owner: string): Promise<void> {
    await this.ds.query(
      `UPDATE appointment_writes SET external_event_id = NULL, written_version = NULL, create_sent_version = NULL, meeting_url = NULL,
              idempotency_key = gen_random_uuid()::text, operation = 'CREATE', updated_at = now()
        WHERE id = $1 AND lease_owner = $2`,
      [id, owner],
    );
  }

  /**
   * Tries again in `delayMs`, ending the lease; `reason` shows meanwhile (undefined: the error shown stays).
   * `unsent`: the create the claim recorded as sent never left (refused before the call): no event can exist.
   */
  async defer(id: string, owner: string, delayMs: number, attempts: number, reason: string | undefined, unsent = false): Promise<void> {
    await this.ds.query(
      `UPDATE appointment_writes SET next_attempt_at = now() + make_interval(secs => $3), attempts = $4,
              last_error = CASE WHEN $6 THEN last_error ELSE $5 END, updated_at = now(), lease_owner = NULL, lease_until = NULL,
              create_sent_version = CASE WHEN $7 THEN NULL ELSE create_sent_version END
        WHERE id = $1 AND lease_owner = $2`,
      [id, owner, delayMs / 1000, attempts, reason ?? null, reason === undefined, unsent],
    );
  }

  /**
   * FAILED with `reason`, unless the appointment changed while the attempt ran (its new version is tried
   * instead). `nothingCreated`: the provider refused the first create outright, so it holds no event.
   * Returns whether it ended FAILED (its lease ends then too).
   */
  async fail(id: string, owner: string, version: number, reason: string, nothingCreated: boolean): Promise<boolean> {
    const [row] = await rows<{ state: ProviderWriteState }>(
      this.ds,
      `UPDATE appointment_writes
          SET state = CASE WHEN version = $3 THEN 'FAILED' ELSE state END,
              last_error = CASE WHEN version = $3 THEN $4 ELSE last_error END,
              create_sent_version = CASE WHEN $5 THEN NULL ELSE create_sent_version END, updated_at = now(),
              lease_owner = CASE WHEN version = $3 THEN NULL ELSE lease_owner END,
              lease_until = CASE WHEN version = $3 THEN NULL ELSE lease_until END
        WHERE id = $1 AND lease_owner = $2 RETURNING state`,
      [id, owner, version, reason, nothingCreated],
    );
    return row?.state === ProviderWriteState.FAILED;
  }

  /** Ends the leases of `ids` this owner still holds. */
  async release(ids: readonly string[], owner: string): Promise<void> {
    if (!ids.length) return;
    await this.ds.query(`UPDATE appointment_writes SET lease_owner = NULL, lease_until = NULL WHERE id = ANY($1::uuid[]) AND lease_owner = $2`, [ids, owner]);
  }

  /** A connection can write again (reconnected, resumed): its held writes are due now. Returns how many. */
  async releaseHeld(connectionId: string): Promise<number> {
    const found = await rows<{ id: string }>(
      this.ds,
      `UPDATE appointment_writes w SET next_attempt_at = now(), attempts = 0, updated_at = now()
         FROM provider_calendars pc
        WHERE pc.id = w.provider_calendar_id AND pc.connection_id = $1 AND w.state = 'PENDING'
        RETURNING w.id`,
      [connectionId],
    );
    return found.length;
  }
}

/** The writes of `from` (rows of appointment_writes) with their appointment's content and their target. */
const withContent = (from: string) => `
  SELECT w.id, w.appointment_id, w.user_id, a.location_id, a.status, w.idempotency_key, w.attempts, w.version, w.written_version,
         w.external_event_id, w.create_sent_version, a.title, a.description, a.start_time, a.end_time, l.timezone, a.attendee_emails,
         a.meeting_provider, w.provider_calendar_id, pc.external_id AS calendar_external_id, pc.name AS calendar_name,
         c.id AS connection_id, c.provider${from === 'claimed' ? ', w.sent_before' : ''}
    FROM ${from} w
    JOIN appointments a ON a.id = w.appointment_id
    JOIN locations l ON l.id = a.location_id
    LEFT JOIN provider_calendars pc ON pc.id = w.provider_calendar_id
    LEFT JOIN connections c ON c.id = pc.connection_id`;

function toClaimed(r: Row): ClaimedWrite {
  const claimed = r.sent_before !== undefined;
  return {
    id: r.id,
    appointmentId: r.appointment_id,
    userId: r.user_id,
    locationId: r.location_id,
    status: r.status,
    idempotencyKey: r.idempotency_key,
    attempts: r.attempts,
    version: r.version,
    writtenVersion: r.written_version,
    externalEventId: r.external_event_id,
    createSentVersion: claimed ? r.sent_before! : r.create_sent_version,
    createMarked: claimed && r.sent_before === null && r.create_sent_version !== null,
    title: r.title,
    description: r.description,
    start: r.start_time,
    end: r.end_time,
    timeZone: r.timezone,
    attendeeEmails: r.attendee_emails,
    meetingProvider: r.meeting_provider,
    target:
      r.provider_calendar_id && r.connection_id
        ? { providerCalendarId: r.provider_calendar_id, calendarExternalId: r.calendar_external_id!, calendarName: r.calendar_name!, connectionId: r.connection_id, provider: r.provider! }
        : null,
  };
}
