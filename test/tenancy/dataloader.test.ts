import { DataSource } from 'typeorm';
import { AgencyDeepDocument, AgencyListsDocument } from '../generated/graphql';
import { insertAgency, insertUser } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

// Nested lists are served by per-request DataLoaders: the number of SQL statements depends on the shape of
// the query, not on how many rows it returns.
const MAX_STATEMENTS = 15;

/** An agency with `n` locations, each with 3 members (one shared with the next location) and 2 calendars of 2 members. */
async function agencyWithLocations(ds: DataSource, n: number): Promise<{ agencyId: string; admin: string }> {
  const agencyId = await insertAgency(ds);
  const admin = await insertUser(ds, agencyId, 'AGENCY', 'ADMIN');
  // Set-based inserts keep the fixture fast at any size.
  await ds.query(
    `INSERT INTO locations (agency_id, name, timezone) SELECT $1, 'Location ' || i, 'Europe/Berlin' FROM generate_series(1, $2) i`,
    [agencyId, n],
  );
  await ds.query(
    `INSERT INTO users (agency_id, email, name, type, role)
     SELECT $1, 'u' || l.id || '-' || k || '@example.test', 'User ' || k, 'ACCOUNT', CASE WHEN k = 1 THEN 'ADMIN' ELSE 'USER' END
       FROM locations l CROSS JOIN generate_series(1, 3) k WHERE l.agency_id = $1`,
    [agencyId],
  );
  await ds.query(
    `INSERT INTO location_members (location_id, user_id, agency_id)
     SELECT l.id, u.id, $1 FROM locations l JOIN users u ON u.email LIKE 'u' || l.id || '-%' WHERE l.agency_id = $1`,
    [agencyId],
  );
  // Each location's third user is also a member of the next location, so User.locations has two entries.
  await ds.query(
    `WITH ordered AS (SELECT id, lead(id) OVER (ORDER BY name) AS next_id FROM locations WHERE agency_id = $1)
     INSERT INTO location_members (location_id, user_id, agency_id)
     SELECT o.next_id, u.id, $1 FROM ordered o JOIN users u ON u.email = 'u' || o.id || '-3@example.test' WHERE o.next_id IS NOT NULL`,
    [agencyId],
  );
  await ds.query(
    `INSERT INTO calendars (agency_id, location_id, name, type, slot_duration_minutes)
     SELECT $1, l.id, 'Calendar ' || c, 'ROUND_ROBIN', 30 FROM locations l CROSS JOIN generate_series(1, 2) c WHERE l.agency_id = $1`,
    [agencyId],
  );
  await ds.query(
    `INSERT INTO calendar_members (calendar_id, user_id, position)
     SELECT c.id, u.id, k - 1 FROM calendars c CROSS JOIN generate_series(1, 2) k
       JOIN users u ON u.email = 'u' || c.location_id || '-' || k || '@example.test'
      WHERE c.agency_id = $1`,
    [agencyId],
  );
  // Some locations have a feature switched off, so enabledFeatures differs between them.
  await ds.query(
    `INSERT INTO location_disabled_features (location_id, feature)
     SELECT id, 'OUTLOOK_CALENDAR' FROM locations WHERE agency_id = $1 AND name LIKE '%0'`,
    [agencyId],
  );
  return { agencyId, admin };
}

describe('DataLoader batching', () => {
  let t: TestApp;
  let small: { agencyId: string; admin: string };
  let large: { agencyId: string; admin: string };

  beforeAll(async () => {
    t = await startTestApp();
    small = await agencyWithLocations(t.app.ds, 5);
    large = await agencyWithLocations(t.app.ds, 50);
  });
  afterAll(() => t.stop());

  /** Runs the query and returns the number of SQL statements it took. */
  async function statementsFor(fn: () => Promise<void>): Promise<number> {
    t.sql.reset();
    await fn();
    return t.sql.count;
  }

  test('50 locations with users, their locations, calendars, team members, enabledFeatures and agency take a small, fixed number of statements', async () => {
    let locations = 0;
    const count = await statementsFor(async () => {
      const r = await t.gql(AgencyDeepDocument, { id: large.agencyId }, t.tokenFor(large.admin));
      expect(r.errors).toBeUndefined();
      const agency = r.data!.agency!;
      locations = agency.locations.length;
      // The answer is complete: the batching did not drop rows.
      for (const loc of agency.locations) {
        expect(loc.agency.id).toBe(large.agencyId);
        expect(loc.users).toHaveLength(loc.name === 'Location 1' ? 3 : 4);
        expect(loc.calendars).toHaveLength(2);
        for (const cal of loc.calendars) {
          expect(cal.teamMembers).toHaveLength(2);
          expect(cal.location.id).toBe(loc.id);
        }
        expect(loc.enabledFeatures).toEqual(loc.name.endsWith('0') ? ['GOOGLE_CALENDAR'] : ['OUTLOOK_CALENDAR', 'GOOGLE_CALENDAR']);
      }
      const shared = agency.locations.flatMap((l) => l.users).filter((u) => u.locations.length === 2);
      expect(shared.length).toBeGreaterThan(0);
    });
    expect(locations).toBe(50);
    expect(count).toBeLessThanOrEqual(MAX_STATEMENTS);
  });

  test('the same query takes as many statements for 5 locations as for 50', async () => {
    const run = (a: { agencyId: string; admin: string }) => async () => {
      const r = await t.gql(AgencyDeepDocument, { id: a.agencyId }, t.tokenFor(a.admin));
      expect(r.errors).toBeUndefined();
    };
    const forFive = await statementsFor(run(small));
    const forFifty = await statementsFor(run(large));
    expect(forFive).toBeLessThanOrEqual(MAX_STATEMENTS);
    // Flat in the number of rows: a loader's batch may split across two ticks, never per row (unbatched: 555).
    expect(forFifty).toBeLessThanOrEqual(forFive + 2);
  });

  test('the filtered lists (agency users with their locations, location members) are batched too', async () => {
    const run = (a: { agencyId: string }) => async () => {
      const r = await t.gql(AgencyListsDocument, { id: a.agencyId }, t.serviceToken);
      expect(r.errors).toBeUndefined();
    };
    const forFive = await statementsFor(run(small));
    const forFifty = await statementsFor(run(large));
    expect(forFive).toBeLessThanOrEqual(MAX_STATEMENTS);
    // Flat in the number of rows: a loader's batch may split across two ticks, never per row (unbatched: 555).
    expect(forFifty).toBeLessThanOrEqual(forFive + 2);
  });
});
