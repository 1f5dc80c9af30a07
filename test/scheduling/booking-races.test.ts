import { DateTime } from 'luxon';
import { BookAppointmentDocument } from '../generated/graphql';
import { buildWorld, insertCalendar, World } from '../support/fixtures';
import { codeOf, GqlResult, startTestApp, TestApp } from '../support/test-app';

const NY = 'America/New_York';
const at = (local: string) => DateTime.fromISO(local, { zone: NY }).toJSDate();
const NOW = at('2030-06-03T07:00');

/** Outcome counts: code (or OK) → how many. */
function outcomes(results: Array<GqlResult<unknown>>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) {
    const key = r.errors ? String(codeOf(r)) : 'OK';
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

describe('double booking is impossible (PostgreSQL exclusion constraint per participant)', () => {
  let t: TestApp;
  let w: World;

  beforeAll(async () => {
    // The race is the point here: no per-caller request limit in the way.
    t = await startTestApp({ RATE_LIMIT_RPS: '0' });
    t.app.services.clock.now = () => NOW;
  });
  afterAll(() => t.stop());
  beforeEach(async () => {
    w = await buildWorld(t.app.ds);
  });

  const book = (calendarId: string, local: string, token: string, userId?: string) =>
    t.gql(BookAppointmentDocument, { input: { calendarId, startTime: at(local).toISOString(), title: 'Race', ...(userId ? { userId } : {}) } }, token);
  const confirmed = async (userId: string) =>
    (await t.app.ds.query(`SELECT count(*)::int AS n FROM appointment_participants WHERE user_id = $1 AND status = 'CONFIRMED'`, [userId]))[0].n as number;

  test('100 concurrent bookings of one slot: exactly 1 confirmed, 99 SLOT_UNAVAILABLE', async () => {
    const cal = await insertCalendar(t.app.ds, w.agencyId, w.locA, [w.accountUserA], 'PERSONAL');
    const tokens = [t.tokenFor(w.accountUserA), t.tokenFor(w.agencyUser), t.tokenFor(w.accountAdminA), t.serviceToken];
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => book(cal, '2030-06-03T10:00', tokens[i % tokens.length])));
    expect(outcomes(results)).toEqual({ OK: 1, SLOT_UNAVAILABLE: 99 });
    expect(await confirmed(w.accountUserA)).toBe(1);
  });

  test('two calendars sharing a member, 50 concurrent bookings each of overlapping slots: exactly 1 confirmed', async () => {
    const half = await insertCalendar(t.app.ds, w.agencyId, w.locA, [w.accountUserA], 'PERSONAL', 30);
    const hour = await insertCalendar(t.app.ds, w.agencyId, w.locA, [w.accountUserA, w.agencyUser], 'ROUND_ROBIN', 60);
    await t.app.ds.query(`UPDATE calendars SET slot_interval_minutes = 30 WHERE id = $1`, [hour]);
    const token = t.serviceToken;
    // 10:00-10:30 on one, 09:30-10:30 for the same member on the other.
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => (i % 2 ? book(half, '2030-06-03T10:00', token) : book(hour, '2030-06-03T09:30', token, w.accountUserA))),
    );
    expect(outcomes(results)).toEqual({ OK: 1, SLOT_UNAVAILABLE: 99 });
    expect(await confirmed(w.accountUserA)).toBe(1);
  });

  test('ROUND_ROBIN: 100 concurrent bookings of one slot over 3 members confirm exactly one per member', async () => {
    const members = [w.accountUserA, w.agencyUser, w.accountAdminA];
    const cal = await insertCalendar(t.app.ds, w.agencyId, w.locA, members, 'ROUND_ROBIN');
    const results = await Promise.all(Array.from({ length: 100 }, () => book(cal, '2030-06-03T10:00', t.serviceToken)));
    expect(outcomes(results)).toEqual({ OK: 3, SLOT_UNAVAILABLE: 97 });
    for (const m of members) expect(await confirmed(m)).toBe(1);
  });

  test('the daily cap holds under concurrency: 16 concurrent bookings of a day with a cap of 2 confirm 2', async () => {
    const cal = await insertCalendar(t.app.ds, w.agencyId, w.locA, [w.accountUserA], 'PERSONAL');
    await t.app.ds.query(`UPDATE calendars SET max_appointments_per_day = 2 WHERE id = $1`, [cal]);
    const starts = Array.from({ length: 16 }, (_, i) => DateTime.fromJSDate(at('2030-06-03T09:00'), { zone: NY }).plus({ minutes: 30 * i }).toFormat("yyyy-MM-dd'T'HH:mm"));
    const results = await Promise.all(starts.map((s) => book(cal, s, t.serviceToken)));
    expect(outcomes(results)).toEqual({ OK: 2, SLOT_UNAVAILABLE: 14 });
  });

  test('the constraint itself refuses an overlapping confirmed row, whatever writes it', async () => {
    const cal = await insertCalendar(t.app.ds, w.agencyId, w.locA, [w.accountUserA], 'PERSONAL');
    const ok = await book(cal, '2030-06-03T10:00', t.serviceToken);
    expect(ok.errors).toBeUndefined();
    const [{ id }] = await t.app.ds.query(
      `INSERT INTO appointments (agency_id, location_id, calendar_id, assigned_user_id, title, start_time, end_time, buffer_before_minutes, buffer_after_minutes, meeting_provider)
       VALUES ($1, $2, $3, $4, 'Sneaky', $5, $6, 0, 0, 'NONE') RETURNING id`,
      [w.agencyId, w.locA, cal, w.accountUserA, at('2030-06-03T10:15'), at('2030-06-03T10:45')],
    );
    const insert = (status: string) =>
      t.app.ds.query(
        `INSERT INTO appointment_participants (appointment_id, user_id, position, calendar_id, start_time, status, occupied) VALUES ($1, $2, 0, $3, $4, $5, tstzrange($4, $6))`,
        [id, w.accountUserA, cal, at('2030-06-03T10:15'), status, at('2030-06-03T10:45')],
      );
    await expect(insert('CONFIRMED')).rejects.toMatchObject({ code: '23P01' });
    // A cancelled row takes no time.
    await expect(insert('CANCELLED')).resolves.toBeDefined();
  });
});

describe('round-robin fairness (PRODUCT.md "Booking")', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_RPS: '0' });
    t.app.services.clock.now = () => NOW;
  });
  afterAll(() => t.stop());

  test('30 bookings over 3 equally free members end 10/10/10', async () => {
    const w = await buildWorld(t.app.ds);
    const members = [w.accountUserA, w.agencyUser, w.accountAdminA];
    const cal = await insertCalendar(t.app.ds, w.agencyId, w.locA, members, 'ROUND_ROBIN');
    // Monday's 16 slots and Tuesday's first 14, one after another.
    const monday = DateTime.fromJSDate(at('2030-06-03T09:00'), { zone: NY });
    const starts = [...Array.from({ length: 16 }, (_, i) => monday.plus({ minutes: 30 * i })), ...Array.from({ length: 14 }, (_, i) => monday.plus({ days: 1, minutes: 30 * i }))];
    const assigned: string[] = [];
    for (const s of starts) {
      const r = await t.gql(BookAppointmentDocument, { input: { calendarId: cal, startTime: s.toJSDate().toISOString(), title: 'Fair' } }, t.serviceToken);
      expect(r.errors).toBeUndefined();
      assigned.push(r.data!.bookAppointment.assignedUser.id);
    }
    const tally = members.map((m) => assigned.filter((a) => a === m).length);
    expect(tally).toEqual([10, 10, 10]);
    // It rotates: fewest first, ties to the oldest last booking, then team order.
    expect(assigned.slice(0, 6)).toEqual([...members, ...members]);
  });
});
