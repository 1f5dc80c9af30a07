// A ROUND_ROBIN calendar whose members have many synced third-party events, seeded straight into the service's
// database (multi-row INSERTs and COPY: seconds, not the minutes the sync would take), as the sync leaves it:
// each member has a Google connection in the location with one conflict calendar, synced just now (fresh: a
// booking calls no provider). Around them, as in a shared database, the members of another location with as
// many events, and every member's events over the sync window (7 days back, and on past the asked range).
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { copyIn, copyLine } from '../../src/app/database/copy-in';
import type { TestApp } from '../../test/support/test-app';
import { benchTenant } from './bench-service';

export interface AvailabilityWorld {
  agencyId: string;
  locationId: string;
  calendarId: string;
  userIds: string[];
  /** The asked range: eventsPerMember blocking events of each member fall in [from, to). */
  from: Date;
  to: Date;
  /** Conflict calendar per member (same order as userIds). */
  providerCalendarIds: string[];
  /** Rows in external_events, all locations. */
  storedEvents: number;
}

export interface WorldOptions {
  members: number;
  /** Blocking events per member inside [from, to). */
  eventsPerMember: number;
  days: number;
  zone: string;
  slotMinutes: number;
  /** Members of a neighbouring location, with events of the same density (default: 4 × members). */
  neighbours?: number;
  /** The conflict calendar is also the member's linked calendar (bookings queue a provider write). */
  linked?: boolean;
}

const DAY = 86_400_000;
const MINUTE = 60_000;
/** The sync window's past (SYNC_WINDOW_PAST_DAYS' default). */
const PAST_DAYS = 7;
const BLOCKING = ['BUSY', 'BUSY', 'BUSY', 'BUSY', 'OUT_OF_OFFICE', 'UNKNOWN'];

export async function seedAvailabilityWorld(t: TestApp, o: WorldOptions): Promise<AvailabilityWorld> {
  const ds = t.app.ds;
  const { agencyId, locationId, userIds } = await benchTenant(t, o.members);
  await ds.query(`UPDATE locations SET timezone = $2 WHERE id = $1`, [locationId, o.zone]);
  const [{ id: calendarId }] = await ds.query(
    `INSERT INTO calendars (agency_id, location_id, name, type, slot_duration_minutes) VALUES ($1, $2, 'Bench round robin', 'ROUND_ROBIN', $3) RETURNING id`,
    [agencyId, locationId, o.slotMinutes],
  );
  await ds.query(`INSERT INTO calendar_members (calendar_id, user_id, position) SELECT $1, u, p - 1 FROM unnest($2::uuid[]) WITH ORDINALITY AS m(u, p)`, [calendarId, userIds]);
  const providerCalendarIds = await connectMembers(t, agencyId, locationId, userIds, o.linked ?? false);

  const neighbours = await benchTenant(t, o.neighbours ?? 4 * o.members);
  const neighbourCalendars = await connectMembers(t, neighbours.agencyId, neighbours.locationId, neighbours.userIds, false);

  // Events at random (seeded) minutes, 15 to 60 minutes long, so a member is free for about a fifth of the slots.
  const from = new Date(Math.ceil(Date.now() / DAY) * DAY + DAY);
  const to = new Date(from.getTime() + o.days * DAY);
  const random = seeded(20_301);
  const perDay = o.eventsPerMember / o.days;
  const spans: Array<[number, number]> = [
    [from.getTime() - PAST_DAYS * DAY, Math.round(PAST_DAYS * perDay)],
    [from.getTime(), o.eventsPerMember],
    [to.getTime(), o.eventsPerMember],
  ];
  const owners = [
    ...userIds.map((u, i) => ({ locationId, userId: u, calendarId: providerCalendarIds[i] })),
    ...neighbours.userIds.map((u, i) => ({ locationId: neighbours.locationId, userId: u, calendarId: neighbourCalendars[i] })),
  ];
  const started = performance.now();
  const runId = randomBytes(4).toString('hex');
  let storedEvents = 0;
  let copyMs = 0;
  for (const owner of owners) {
    let payload = '';
    for (const [spanStart, count] of spans) {
      const minutes = (count / perDay) * 24 * 60 - 60;
      for (let i = 0; i < count; i++) {
        const start = spanStart + Math.floor(random() * minutes) * MINUTE;
        const length = 15 * (1 + Math.floor(random() * 4));
        payload += copyLine([
          owner.calendarId, owner.locationId, owner.userId, `ev-${storedEvents}-${runId}`, null, `Client meeting ${i}`,
          new Date(start), new Date(start + length * MINUTE), false, BLOCKING[i % BLOCKING.length], 'v1', null, 1,
        ]);
        storedEvents++;
      }
    }
    const copyStarted = performance.now();
    await ds.transaction((tx) =>
      copyIn(tx, `COPY external_events (provider_calendar_id, location_id, user_id, external_id, series_external_id, title, start_time, end_time, is_all_day, availability, version, client_key, generation) FROM STDIN`, payload),
    );
    copyMs += performance.now() - copyStarted;
  }
  // As autovacuum would have by now: statistics and the visibility map.
  const vacuumStarted = performance.now();
  await ds.query(`VACUUM ANALYZE`);
  const ms = (from: number) => Math.round(performance.now() - from);
  process.stderr.write(`seeded ${storedEvents} events of ${owners.length} members in ${ms(started)} ms (COPY ${Math.round(copyMs)} ms, VACUUM ANALYZE ${ms(vacuumStarted)} ms)\n`);
  return { agencyId, locationId, calendarId, userIds, from, to, providerCalendarIds, storedEvents };
}

/** One Google connection per user in the location with one calendar, their conflict calendar (and linked one if asked), synced now. Returns the calendars' ids. */
async function connectMembers(t: TestApp, agencyId: string, locationId: string, userIds: string[], linked: boolean): Promise<string[]> {
  const ds = t.app.ds;
  const externals = userIds.map((u) => `bench-${u}`);
  await ds.query(`INSERT INTO provider_accounts (provider, external_id, user_id) SELECT 'GOOGLE', e, u FROM unnest($1::text[], $2::uuid[]) AS m(e, u)`, [externals, userIds]);
  const connections: Array<{ id: string; user_id: string }> = await ds.query(
    `INSERT INTO connections (agency_id, location_id, user_id, provider, account_external_id, account_email, credentials)
     SELECT $1, $2, u, 'GOOGLE', e, e || '@bench.test', 'sealed' FROM unnest($3::text[], $4::uuid[]) AS m(e, u) RETURNING id, user_id`,
    [agencyId, locationId, externals, userIds],
  );
  const connectionOf = new Map(connections.map((c) => [c.user_id, c.id]));
  const calendars: Array<{ id: string; connection_id: string }> = await ds.query(
    `INSERT INTO provider_calendars (connection_id, external_id, name, can_write, access, is_default)
     SELECT c, 'primary', 'Work', true, 'WRITE', true FROM unnest($1::uuid[]) AS m(c) RETURNING id, connection_id`,
    [userIds.map((u) => connectionOf.get(u))],
  );
  const calendarOfConnection = new Map(calendars.map((c) => [c.connection_id, c.id]));
  const ids = userIds.map((u) => calendarOfConnection.get(connectionOf.get(u)!)!);
  await ds.query(`INSERT INTO calendar_configurations (location_id, user_id, linked_calendar_id) SELECT $1, u, CASE WHEN $4 THEN c END FROM unnest($2::uuid[], $3::uuid[]) AS m(u, c)`, [
    locationId,
    userIds,
    ids,
    linked,
  ]);
  await ds.query(`INSERT INTO conflict_calendars (location_id, user_id, provider_calendar_id) SELECT $1, u, c FROM unnest($2::uuid[], $3::uuid[]) AS m(u, c)`, [locationId, userIds, ids]);
  await ds.query(
    `INSERT INTO calendar_sync_states (provider_calendar_id, connection_id, stage, cursor, generation, full_sync_requested, full_sync_done, last_full_sync_at, last_incremental_sync_at)
     SELECT pc.id, pc.connection_id, 'IDLE', 'bench-cursor', 1, 1, 1, now(), now() FROM provider_calendars pc WHERE pc.id = ANY($1::uuid[])`,
    [ids],
  );
  return ids;
}

/** A small deterministic PRNG (mulberry32): the same world every run. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface GqlResponse<R> {
  data?: R;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

/** POSTs a GraphQL request; returns the milliseconds to the whole body and the parsed body. */
export async function timedGql<R>(url: string, token: string, query: string, variables: Record<string, unknown>): Promise<{ ms: number; body: GqlResponse<R> }> {
  const started = performance.now();
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
  const text = await res.text();
  const ms = performance.now() - started;
  return { ms, body: JSON.parse(text) as GqlResponse<R> };
}
