import DataLoader from 'dataloader';
import { DataSource, In } from 'typeorm';
import { Agency } from '../../tenancy/agency.entity';
import { Location } from '../../tenancy/location.entity';
import { Plan } from '../../tenancy/plan.entity';
import { Feature } from '../../tenancy/tenancy.enums';
import { User } from '../../tenancy/user.entity';
import { userFromRow } from '../../tenancy/user-row';
import { Calendar } from '../../scheduling/calendar.entity';
import { Connection } from '../../connections/connection.entity';
import { ProviderCalendar } from '../../connections/provider-calendar.entity';
import { SyncStateRepository } from '../../sync/sync-state.repository';

// Built per request: one SQL statement per kind of thing per tick, whatever the query's shape.

const byId = <T extends { id: string }>(rows: T[], ids: readonly string[]) => {
  const map = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => map.get(id) ?? null);
};

const grouped = <T>(rows: T[], keys: readonly string[], key: (r: T) => string) => {
  const map = new Map<string, T[]>(keys.map((k) => [k, []]));
  for (const r of rows) map.get(key(r))?.push(r);
  return keys.map((k) => map.get(k) ?? []);
};

export function createLoaders(ds: DataSource, { cache = true }: { cache?: boolean } = {}) {
  // Long-lived subscription contexts batch without caching, so every event sees fresh rows.
  const loader = <K, V>(batch: DataLoader.BatchLoadFn<K, V>) => new DataLoader<K, V>(batch, { cache });
  return {
    plan: loader<string, Plan | null>(async (codes) => {
      const rows = await ds.getRepository(Plan).findBy({ code: In([...codes]) as never });
      return codes.map((c) => rows.find((p) => p.code === c) ?? null);
    }),
    agency: loader<string, Agency | null>(async (ids) => byId(await ds.getRepository(Agency).findBy({ id: In([...ids]) }), ids)),
    location: loader<string, Location | null>(async (ids) => byId(await ds.getRepository(Location).findBy({ id: In([...ids]) }), ids)),
    user: loader<string, User | null>(async (ids) => byId(await ds.getRepository(User).findBy({ id: In([...ids]) }), ids)),
    locationsByAgency: loader<string, Location[]>(async (agencyIds) =>
      grouped(await ds.getRepository(Location).find({ where: { agencyId: In([...agencyIds]) }, order: { createdAt: 'ASC', name: 'ASC' } }), agencyIds, (l) => l.agencyId),
    ),
    usersByAgency: loader<string, User[]>(async (agencyIds) =>
      grouped(await ds.getRepository(User).find({ where: { agencyId: In([...agencyIds]) }, order: { createdAt: 'ASC', email: 'ASC' } }), agencyIds, (u) => u.agencyId),
    ),
    /** Members of each location. */
    usersByLocation: loader<string, User[]>(async (locationIds) => {
      const rows: Array<Record<string, unknown>> = await ds.query(
        `SELECT m.location_id, u.id, u.agency_id, u.email, u.name, u.type, u.role, u.active, u.created_at
           FROM location_members m JOIN users u ON u.id = m.user_id
          WHERE m.location_id = ANY($1) ORDER BY m.created_at, u.email`,
        [locationIds],
      );
      return grouped(rows, locationIds, (r) => r.location_id as string).map((list) => list.map(userFromRow));
    }),
    /** Location ids each user is a member of. */
    locationIdsByUser: loader<string, string[]>(async (userIds) => {
      const rows: Array<{ user_id: string; location_id: string }> = await ds.query(
        `SELECT user_id, location_id FROM location_members WHERE user_id = ANY($1) ORDER BY created_at`,
        [userIds],
      );
      return grouped(rows, userIds, (r) => r.user_id).map((list) => list.map((r) => r.location_id));
    }),
    disabledFeatures: loader<string, Feature[]>(async (locationIds) => {
      const rows: Array<{ location_id: string; feature: Feature }> = await ds.query(
        `SELECT location_id, feature FROM location_disabled_features WHERE location_id = ANY($1)`,
        [locationIds],
      );
      return grouped(rows, locationIds, (r) => r.location_id).map((list) => list.map((r) => r.feature));
    }),
    calendar: loader<string, Calendar | null>(async (ids) => byId(await ds.getRepository(Calendar).findBy({ id: In([...ids]) }), ids)),
    calendarsByLocation: loader<string, Calendar[]>(async (locationIds) =>
      grouped(await ds.getRepository(Calendar).find({ where: { locationId: In([...locationIds]) }, order: { createdAt: 'ASC', name: 'ASC' } }), locationIds, (c) => c.locationId),
    ),
    connection: loader<string, Connection | null>(async (ids) => byId(await ds.getRepository(Connection).findBy({ id: In([...ids]) }), ids)),
    providerCalendar: loader<string, ProviderCalendar | null>(async (ids) => byId(await ds.getRepository(ProviderCalendar).findBy({ id: In([...ids]) }), ids)),
    calendarsByConnection: loader<string, ProviderCalendar[]>(async (connectionIds) =>
      grouped(
        await ds.getRepository(ProviderCalendar).find({ where: { connectionId: In([...connectionIds]) }, order: { isDefault: 'DESC', name: 'ASC' } }),
        connectionIds,
        (c) => c.connectionId,
      ),
    ),
    /** Per provider calendar: when it was last synced and whether push covers it. */
    calendarSyncStatus: loader<string, { lastSyncedAt: Date | null; pushActive: boolean }>(async (ids) => {
      const found = new Map((await new SyncStateRepository(ds).calendarStatus(ids)).map((r) => [r.id, r]));
      return ids.map((id) => found.get(id) ?? { lastSyncedAt: null, pushActive: false });
    }),
    /** Team member ids of each calendar, in their given order. */
    memberIdsByCalendar: loader<string, string[]>(async (calendarIds) => {
      const rows: Array<{ calendar_id: string; user_id: string }> = await ds.query(
        `SELECT calendar_id, user_id FROM calendar_members WHERE calendar_id = ANY($1) ORDER BY position`,
        [calendarIds],
      );
      return grouped(rows, calendarIds, (r) => r.calendar_id).map((list) => list.map((r) => r.user_id));
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
