import { DateTime } from 'luxon';
import { BookAppointmentDocument, FreeSlotsDocument } from '../generated/graphql';
import { insertAppointment, insertConflictCalendar, insertExternalEvent, insertLinkedCalendar } from '../support/appointment-fixtures';
import { buildWorld, insertCalendar, World } from '../support/fixtures';
import { codeOf, GqlResult, startTestApp, TestApp } from '../support/test-app';

// Third-party busy time in freeSlots and bookAppointment (PRODUCT.md "Availability"): blocking events synced from
// the members' conflict calendars in the calendar's location, of the calendar's supported providers; the
// service's own events never count. Events are stored rows here, as the sync engine leaves them.

const NY = 'America/New_York';
const at = (local: string) => DateTime.fromISO(local, { zone: NY }).toJSDate();
const hhmm = (iso: string) => DateTime.fromISO(iso, { zone: NY }).toFormat('HH:mm');
const NOW = at('2030-06-03T07:00');
const MONDAY = { from: at('2030-06-03T09:00').toISOString(), to: at('2030-06-03T11:00').toISOString() };

describe('busy time from synced third-party events', () => {
  let t: TestApp;
  let w: World;

  beforeAll(async () => {
    t = await startTestApp({}, undefined, { outbox: { work: false } });
    t.app.services.clock.now = () => NOW;
  });
  afterAll(() => t.stop());
  beforeEach(async () => {
    w = await buildWorld(t.app.ds);
  });

  function ok<R>(r: GqlResult<R>): R {
    expect(r.errors).toBeUndefined();
    return r.data!;
  }
  const slotsOf = async (calendarId: string) => ok(await t.gql(FreeSlotsDocument, { calendarId, ...MONDAY }, t.serviceToken)).freeSlots.map((s) => hhmm(s.startTime));
  const book = (calendarId: string, local: string) => t.gql(BookAppointmentDocument, { input: { calendarId, startTime: at(local).toISOString(), title: 'Call' } }, t.serviceToken);
  const personal = (type = 'PERSONAL') => insertCalendar(t.app.ds, w.agencyId, w.locA, [w.accountUserA], type);
  const conflict = (provider: 'OUTLOOK' | 'GOOGLE' = 'GOOGLE', locationId = w.locA) => insertConflictCalendar(t.app.ds, { agencyId: w.agencyId, locationId, userId: w.accountUserA, provider });
  const event = (calendarId: string, from: string, to: string, extra: { availability?: string; clientKey?: string } = {}) => insertExternalEvent(t.app.ds, { calendarId, start: at(from), end: at(to), ...extra });

  test('a busy event in a conflict calendar takes its slots from freeSlots, and booking one is SLOT_UNAVAILABLE', async () => {
    const cal = await personal();
    await event(await conflict(), '2030-06-03T09:45', '2030-06-03T10:15');
    expect(await slotsOf(cal)).toEqual(['09:00', '10:30']);
    expect(codeOf(await book(cal, '2030-06-03T10:00'))).toBe('SLOT_UNAVAILABLE');
    expect(ok(await book(cal, '2030-06-03T10:30')).bookAppointment.startTime).toBe(at('2030-06-03T10:30').toISOString());
  });

  test('BUSY, OUT_OF_OFFICE and UNKNOWN block; FREE and WORKING_ELSEWHERE do not; TENTATIVE only when the agency counts it', async () => {
    const cal = await personal();
    const c = await conflict();
    await event(c, '2030-06-03T09:00', '2030-06-03T09:30', { availability: 'OUT_OF_OFFICE' });
    await event(c, '2030-06-03T09:30', '2030-06-03T10:00', { availability: 'UNKNOWN' });
    await event(c, '2030-06-03T10:00', '2030-06-03T10:30', { availability: 'TENTATIVE' });
    await event(c, '2030-06-03T10:30', '2030-06-03T11:00', { availability: 'FREE' });
    await event(c, '2030-06-03T10:30', '2030-06-03T11:00', { availability: 'WORKING_ELSEWHERE' });
    expect(await slotsOf(cal)).toEqual(['10:00', '10:30']);
    await t.app.ds.query(`UPDATE agencies SET count_tentative_as_busy = true WHERE id = $1`, [w.agencyId]);
    expect(await slotsOf(cal)).toEqual(['10:30']);
  });

  test("only the members' conflict calendars of this location count: not a calendar only linked, not another location's", async () => {
    const cal = await personal();
    const linked = await insertLinkedCalendar(t.app.ds, { agencyId: w.agencyId, locationId: w.locA, userId: w.accountUserA });
    await event(linked, '2030-06-03T09:00', '2030-06-03T11:00');
    await t.app.ds.query(`INSERT INTO location_members (agency_id, location_id, user_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [w.agencyId, w.locB, w.accountUserA]);
    await event(await conflict('GOOGLE', w.locB), '2030-06-03T09:00', '2030-06-03T11:00');
    expect(await slotsOf(cal)).toEqual(['09:00', '09:30', '10:00', '10:30']);
  });

  test('an EVENT calendar counts Google conflict calendars only; the other types count both providers', async () => {
    const event_ = await personal('EVENT');
    const personal_ = await personal();
    await event(await conflict('OUTLOOK'), '2030-06-03T09:00', '2030-06-03T10:00');
    await event(await conflict('GOOGLE'), '2030-06-03T10:30', '2030-06-03T11:00');
    expect(await slotsOf(event_)).toEqual(['09:00', '09:30', '10:00']);
    expect(await slotsOf(personal_)).toEqual(['10:00']);
  });

  test("the service's own events (written with an appointment's key) are not third-party time; another app's key is", async () => {
    const cal = await personal();
    const c = await conflict();
    const appointment = await insertAppointment(t.app.ds, { calendarId: w.calendarA, userIds: [w.accountUserA], start: at('2030-06-03T09:00'), end: at('2030-06-03T09:30'), status: 'CANCELLED' });
    await t.app.ds.query(`INSERT INTO appointment_writes (appointment_id, user_id, provider_calendar_id, state, operation, version, idempotency_key) VALUES ($1, $2, $3, 'PENDING', 'DELETE', 2, 'our-key')`, [appointment, w.accountUserA, c]);
    // Our event of a cancelled appointment, not yet deleted at the provider: the time is free.
    await event(c, '2030-06-03T09:00', '2030-06-03T09:30', { clientKey: 'our-key' });
    await event(c, '2030-06-03T10:00', '2030-06-03T10:30', { clientKey: 'someone-elses-transaction-id' });
    expect(await slotsOf(cal)).toEqual(['09:00', '09:30', '10:30']);
  });
});
