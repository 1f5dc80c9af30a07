import { MigrationInterface, QueryRunner } from 'typeorm';

export class Tenancy1763700000000 implements MigrationInterface {
  name = 'Tenancy1763700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE plans (
        code text PRIMARY KEY CHECK (code IN ('STARTER','FREELANCER','AGENCY_PRO')),
        name text NOT NULL,
        monthly_price_usd int NOT NULL CHECK (monthly_price_usd >= 0),
        features text[] NOT NULL DEFAULT '{}'
      )`);
    // The newest seed statement: Outlook is on all plans, so every plan has both features.
    await q.query(`
      INSERT INTO plans (code, name, monthly_price_usd, features) VALUES
        ('STARTER', 'Starter', 97, '{OUTLOOK_CALENDAR,GOOGLE_CALENDAR}'),
        ('FREELANCER', 'Freelancer', 297, '{OUTLOOK_CALENDAR,GOOGLE_CALENDAR}'),
        ('AGENCY_PRO', 'Agency Pro', 497, '{OUTLOOK_CALENDAR,GOOGLE_CALENDAR}')`);
    await q.query(`
      CREATE TABLE agencies (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (length(btrim(name)) > 0),
        plan_code text NOT NULL REFERENCES plans(code),
        cross_location_policy text NOT NULL DEFAULT 'DENY' CHECK (cross_location_policy IN ('ALLOW_SAME_USER','DENY')),
        count_tentative_as_busy boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE locations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        agency_id uuid NOT NULL REFERENCES agencies(id) ON DELETE CASCADE,
        name text NOT NULL CHECK (length(btrim(name)) > 0),
        timezone text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (agency_id, id)
      )`);
    await q.query(`CREATE INDEX locations_agency_idx ON locations (agency_id, created_at)`);
    await q.query(`
      CREATE TABLE location_disabled_features (
        location_id uuid NOT NULL REFERENCES locations(id) ON DELETE CASCADE,
        feature text NOT NULL CHECK (feature IN ('OUTLOOK_CALENDAR','GOOGLE_CALENDAR')),
        PRIMARY KEY (location_id, feature)
      )`);
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        agency_id uuid NOT NULL REFERENCES agencies(id) ON DELETE CASCADE,
        email text NOT NULL,
        name text NOT NULL CHECK (length(btrim(name)) > 0),
        type text NOT NULL CHECK (type IN ('AGENCY','ACCOUNT')),
        role text NOT NULL CHECK (role IN ('ADMIN','USER')),
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (agency_id, id)
      )`);
    // Emails are unique per agency, compared case-insensitively.
    await q.query(`CREATE UNIQUE INDEX users_agency_email_uq ON users (agency_id, lower(email))`);
    // Members and locations must belong to the same agency: enforced by composite keys.
    await q.query(`
      CREATE TABLE location_members (
        location_id uuid NOT NULL,
        user_id uuid NOT NULL,
        agency_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (location_id, user_id),
        FOREIGN KEY (agency_id, location_id) REFERENCES locations (agency_id, id) ON DELETE CASCADE,
        FOREIGN KEY (agency_id, user_id) REFERENCES users (agency_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX location_members_user_idx ON location_members (user_id)`);
    await q.query(`
      CREATE TABLE calendars (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        agency_id uuid NOT NULL,
        location_id uuid NOT NULL,
        name text NOT NULL CHECK (length(btrim(name)) > 0),
        type text NOT NULL CHECK (type IN ('ROUND_ROBIN','COLLECTIVE','SERVICE','EVENT','PERSONAL')),
        slot_duration_minutes int NOT NULL CHECK (slot_duration_minutes BETWEEN 5 AND 480),
        created_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (agency_id, location_id) REFERENCES locations (agency_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX calendars_location_idx ON calendars (location_id, created_at)`);
    await q.query(`
      CREATE TABLE calendar_members (
        calendar_id uuid NOT NULL REFERENCES calendars(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        position int NOT NULL,
        PRIMARY KEY (calendar_id, user_id)
      )`);
    await q.query(`CREATE INDEX calendar_members_user_idx ON calendar_members (user_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE calendar_members, calendars, location_members, users, location_disabled_features, locations, agencies, plans`);
  }
}
