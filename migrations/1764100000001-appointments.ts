import { MigrationInterface, QueryRunner } from 'typeorm';

// Appointments (issue 10 item 3). Double booking is impossible by construction: each participant's row holds the
// appointment's occupied range [start − buffer before, end + buffer after), and an exclusion constraint lets no
// two CONFIRMED rows of one user overlap, whatever calendar they come from and however many requests race.
// appointment_writes is the outbox: one row per participant, committed with the booking, that the outbox
// workers bring to the provider (see docs/booking.md, "The outbox").
export class Appointments1764100000001 implements MigrationInterface {
  name = 'Appointments1764100000001';

  async up(q: QueryRunner): Promise<void> {
    // uuid equality inside a GiST exclusion constraint.
    await q.query(`CREATE EXTENSION IF NOT EXISTS btree_gist`);
    await q.query(`
      CREATE TABLE appointments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        agency_id uuid NOT NULL,
        location_id uuid NOT NULL,
        calendar_id uuid NOT NULL REFERENCES calendars(id) ON DELETE CASCADE,
        assigned_user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        title text NOT NULL CHECK (length(btrim(title)) > 0),
        description text,
        attendee_emails text[] NOT NULL DEFAULT '{}',
        start_time timestamptz NOT NULL,
        end_time timestamptz NOT NULL CHECK (end_time > start_time),
        -- The calendar's buffers when booked or last rescheduled (the participants' occupied ranges use them).
        buffer_before_minutes int NOT NULL CHECK (buffer_before_minutes BETWEEN 0 AND 240),
        buffer_after_minutes int NOT NULL CHECK (buffer_after_minutes BETWEEN 0 AND 240),
        meeting_provider text NOT NULL CHECK (meeting_provider IN ('NONE', 'AUTO', 'TEAMS', 'GOOGLE_MEET')),
        meeting_url text,
        status text NOT NULL DEFAULT 'CONFIRMED' CHECK (status IN ('CONFIRMED', 'CANCELLED')),
        -- 1 when booked, bumped by every reschedule and the cancel: the outbox brings each provider event up to it, in order.
        version int NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        cancelled_at timestamptz,
        FOREIGN KEY (agency_id, location_id) REFERENCES locations (agency_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX appointments_location_time_idx ON appointments (location_id, start_time)`);
    await q.query(`CREATE INDEX appointments_calendar_idx ON appointments (calendar_id)`);
    await q.query(`
      CREATE TABLE appointment_participants (
        appointment_id uuid NOT NULL REFERENCES appointments(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        -- Team order of the participants.
        position int NOT NULL,
        -- Copies of the appointment's calendar, start and status, kept in the same transaction as the appointment's:
        -- the constraint below needs status here, the daily cap and fairness count per calendar and start.
        calendar_id uuid NOT NULL,
        start_time timestamptz NOT NULL,
        status text NOT NULL CHECK (status IN ('CONFIRMED', 'CANCELLED')),
        occupied tstzrange NOT NULL CHECK (NOT isempty(occupied)),
        -- When this participant was booked (round-robin fairness: ties go to the oldest last booking).
        booked_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (appointment_id, user_id),
        CONSTRAINT appointment_participants_no_overlap EXCLUDE USING gist (user_id WITH =, occupied WITH &&) WHERE (status = 'CONFIRMED')
      )`);
    await q.query(`CREATE INDEX appointment_participants_calendar_idx ON appointment_participants (calendar_id, user_id, start_time) WHERE status = 'CONFIRMED'`);
    await q.query(`
      CREATE TABLE appointment_writes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        appointment_id uuid NOT NULL,
        user_id uuid NOT NULL,
        -- The participant's linked calendar when booked: their event lives there for good (a later change of the
        -- linked calendar does not move it). Null when they had none: state NOT_LINKED.
        provider_calendar_id uuid REFERENCES provider_calendars(id) ON DELETE SET NULL,
        state text NOT NULL CHECK (state IN ('PENDING', 'WRITTEN', 'FAILED', 'NOT_LINKED')),
        -- What the next write does to bring the provider event to version: CREATE, UPDATE (rescheduled), DELETE (cancelled).
        operation text NOT NULL CHECK (operation IN ('CREATE', 'UPDATE', 'DELETE')),
        -- The appointment version the provider event must reach; written_version: the last one written (null: none yet).
        version int NOT NULL,
        written_version int,
        attempts int NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        -- Why the last attempt failed, in words a user can act on.
        last_error text,
        external_event_id text,
        -- Stable for the life of the provider event: Graph transactionId / the Google event id derive from it.
        idempotency_key text NOT NULL UNIQUE DEFAULT gen_random_uuid()::text,
        meeting_url text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (appointment_id, user_id),
        FOREIGN KEY (appointment_id, user_id) REFERENCES appointment_participants (appointment_id, user_id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX appointment_writes_due_idx ON appointment_writes (next_attempt_at) WHERE state = 'PENDING'`);
    await q.query(`CREATE INDEX appointment_writes_calendar_idx ON appointment_writes (provider_calendar_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE appointment_writes, appointment_participants, appointments`);
  }
}
