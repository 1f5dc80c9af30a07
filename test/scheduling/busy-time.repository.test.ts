import { DataSource } from 'typeorm';
import { memberGroups, SqlBusyTimeRepository } from '../../src/scheduling/availability/busy-time.repository';
import { insertAppointment, insertConflictCalendar, insertExternalEvent } from '../support/appointment-fixtures';
import { insertAgency, insertCalendar, insertLocation, insertUser } from '../support/fixtures';
import { createTestDataSource } from '../support/test-database';

// The busy-time read against PostgreSQL: a big team is read by several statements at once (memberGroups), and
// every member still gets exactly their own intervals, whichever statement read them.

const HOUR = 3_600_000;
const BASE = Date.UTC(2030, 5, 3, 13);

describe('memberGroups', () => {
  const sizes = (n: number) => memberGroups(Array.from({ length: n }, (_, i) => `u${i}`)).map((g) => g.length);

  test('a small team is one statement; bigger teams split evenly into at most three', () => {
    expect(sizes(1)).toEqual([1]);
    expect(sizes(15)).toEqual([15]);
    expect(sizes(16)).toEqual([8, 8]);
    expect(sizes(20)).toEqual([10, 10]);
    expect(sizes(100)).toEqual([34, 34, 32]);
  });

  test('every member is in exactly one group, in team order', () => {
    const ids = Array.from({ length: 37 }, (_, i) => `u${i}`);
    expect(memberGroups(ids).flat()).toEqual(ids);
  });
});

describe('SqlBusyTimeRepository', () => {
  let ds: DataSource;
  beforeAll(async () => {
    ds = await createTestDataSource();
  });
  afterAll(() => ds.destroy());

  test('a team of 20 read in two statements: each member has their events (of every conflict calendar) and appointments, nobody else’s', async () => {
    const agencyId = await insertAgency(ds);
    const locationId = await insertLocation(ds, agencyId, 'Team');
    const members: string[] = [];
    for (let i = 0; i < 20; i++) members.push(await insertUser(ds, agencyId, 'ACCOUNT', 'USER', [locationId]));
    const calendarId = await insertCalendar(ds, agencyId, locationId, members);
    const expected = new Map<string, Array<[string, number, number]>>();
    for (const [i, userId] of members.entries()) {
      const conflict = await insertConflictCalendar(ds, { agencyId, locationId, userId });
      const start = BASE + i * HOUR;
      await insertExternalEvent(ds, { calendarId: conflict, start: new Date(start), end: new Date(start + HOUR / 2) });
      expected.set(userId, [['EVENT', start, start + HOUR / 2]]);
    }
    // Member 0: a second conflict calendar with only a FREE event (a calendar row without blocking events).
    const second = await insertConflictCalendar(ds, { agencyId, locationId, userId: members[0] });
    await insertExternalEvent(ds, { calendarId: second, start: new Date(BASE), end: new Date(BASE + HOUR), availability: 'FREE' });
    // Member 19 (the second statement's): a second calendar with a blocking event, and an appointment.
    const third = await insertConflictCalendar(ds, { agencyId, locationId, userId: members[19] });
    await insertExternalEvent(ds, { calendarId: third, start: new Date(BASE + 2 * HOUR), end: new Date(BASE + 3 * HOUR) });
    await insertAppointment(ds, { calendarId, userIds: [members[19]], start: new Date(BASE + 4 * HOUR), end: new Date(BASE + 5 * HOUR) });
    expected.get(members[19])!.push(['EVENT', BASE + 2 * HOUR, BASE + 3 * HOUR], ['APPOINTMENT', BASE + 4 * HOUR, BASE + 5 * HOUR]);

    const busy = await new SqlBusyTimeRepository(ds).busyTimes({
      userIds: members,
      from: new Date(BASE - HOUR),
      to: new Date(BASE + 24 * HOUR),
      providers: ['GOOGLE', 'OUTLOOK'] as never,
      calendarId,
      locationId,
    });

    expect([...busy.keys()]).toEqual(members);
    for (const userId of members) {
      const got = busy
        .get(userId)!
        .map((b): [string, number, number] => [b.kind, b.start, b.end])
        .sort((a, b) => a[1] - b[1]);
      expect(got).toEqual(expected.get(userId)!.sort((a, b) => a[1] - b[1]));
    }
  });
});
