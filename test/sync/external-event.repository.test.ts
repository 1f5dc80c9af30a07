import { closeDataSource } from '../../src/app/database/data-source';
import { DataSource } from 'typeorm';
import type { NormalizedEvent } from '../../src/providers/calendar-provider';
import { ExternalEventRepository } from '../../src/sync/external-event.repository';
import { insertAgency, insertLocation, insertUser } from '../support/fixtures';
import { createTestDataSource } from '../support/test-database';

// The sync's write stage against real PostgreSQL: bulk upsert by COPY, change detection in SQL (only rows
// whose content changed come back, with their old and new times), removals (series included), the sweep.

describe('ExternalEventRepository', () => {
  let ds: DataSource;
  let owner: { calendarId: string; locationId: string; userId: string };

  beforeAll(async () => {
    ds = await createTestDataSource();
    const agencyId = await insertAgency(ds);
    const locationId = await insertLocation(ds, agencyId);
    const userId = await insertUser(ds, agencyId, 'ACCOUNT', 'USER', [locationId]);
    await ds.query(`INSERT INTO provider_accounts (provider, external_id, user_id) VALUES ('GOOGLE', 'repo-test', $1)`, [userId]);
    const [{ id: connectionId }] = await ds.query(
      `INSERT INTO connections (agency_id, location_id, user_id, provider, account_external_id, account_email, credentials) VALUES ($1, $2, $3, 'GOOGLE', 'repo-test', 'r@example.test', 'x') RETURNING id`,
      [agencyId, locationId, userId],
    );
    const [{ id: calendarId }] = await ds.query(`INSERT INTO provider_calendars (connection_id, external_id, name, can_write, access, is_default) VALUES ($1, 'c', 'C', true, 'WRITE', true) RETURNING id`, [connectionId]);
    owner = { calendarId, locationId, userId };
  });
  afterAll(() => ds && closeDataSource(ds));

  const at = (h: number) => new Date(Date.UTC(2030, 0, 1, h));
  const ev = (id: string, h: number, more: Partial<NormalizedEvent> = {}): NormalizedEvent => ({
    externalId: id, title: id, start: at(h), end: at(h + 1), isAllDay: false, availability: 'BUSY', seriesExternalId: null, version: 'v1', clientKey: null, ...more,
  });
  const repo = () => new ExternalEventRepository(ds);
  const stored = async () => (await ds.query(`SELECT external_id, title, generation::int AS g FROM external_events WHERE provider_calendar_id = $1 ORDER BY external_id`, [owner.calendarId])) as Array<{ external_id: string; title: string; g: number }>;
  const hours = (changes: Awaited<ReturnType<ExternalEventRepository['upsert']>>) => changes.map((c) => [c.old?.start.getUTCHours() ?? null, c.new?.start.getUTCHours() ?? null]);

  test('first write: every row is new; a batch repeating an event keeps its last version', async () => {
    const changes = await repo().upsert(owner, [ev('a', 9), ev('b', 10), ev('a', 11, { title: 'a (replayed)' })], 1, { fresh: true });
    expect(hours(changes)).toHaveLength(2);
    expect(hours(changes)).toEqual(expect.arrayContaining([[null, 10], [null, 11]]));
    expect(await stored()).toEqual([{ external_id: 'a', title: 'a (replayed)', g: 1 }, { external_id: 'b', title: 'b', g: 1 }]);
  });

  test('later writes return only real content changes, with old and new times; a new generation touches unchanged rows silently', async () => {
    const changes = await repo().upsert(owner, [ev('a', 13, { title: 'a (replayed)' }), ev('b', 10, { version: 'v2' }), ev('c', 15)], 1);
    // a moved (11 → 13), b only got a new version (no content change), c is new.
    expect(hours(changes)).toHaveLength(2);
    expect(hours(changes)).toEqual(expect.arrayContaining([[11, 13], [null, 15]]));
    expect(await repo().upsert(owner, [ev('a', 13, { title: 'a (replayed)' }), ev('b', 10, { version: 'v2' }), ev('c', 15)], 2)).toEqual([]);
    expect((await stored()).map((r) => r.g)).toEqual([2, 2, 2]);
  });

  test('removals by occurrence or by series; the sweep removes rows of older generations', async () => {
    await repo().upsert(owner, [ev('s_1', 17, { seriesExternalId: 's' }), ev('s_2', 18, { seriesExternalId: 's' })], 2);
    expect(hours(await repo().remove(owner.calendarId, ['s', 'nope']))).toEqual(expect.arrayContaining([[17, null], [18, null]]));
    expect(hours(await repo().remove(owner.calendarId, ['c']))).toEqual([[15, null]]);
    await repo().upsert(owner, [ev('a', 13, { title: 'a (replayed)' })], 3);
    expect(hours(await repo().sweep(owner.calendarId, 3))).toEqual([[10, null]]);
    expect((await stored()).map((r) => r.external_id)).toEqual(['a']);
  });
});
