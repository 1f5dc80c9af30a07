// sync_write_ratio: rows/s of the sync's write stage (normalised events into external_events, change detection
// included, in the sync job's write batches) divided by plain COPY rows/s of the same rows
// into the same table, same run. Uses BENCH_DATABASE_URL or TEST_DATABASE_URL (an admin URL: a scratch
// database is created and dropped), else an embedded PostgreSQL. Diagnostics on stderr only.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import 'reflect-metadata';
import { Client } from 'pg';
import { copyIn, copyLine } from '../src/app/database/copy-in';
import { createDataSource, migrate } from '../src/app/database/data-source';
import type { NormalizedEvent } from '../src/providers/calendar-provider';
import { ExternalEventRepository } from '../src/sync/external-event.repository';
import type { Figure } from './run';
import { adminDatabase } from './support/bench-database';

const ROWS = 50_000;
// The sync job's write batch (SyncTuning.writeBatchRows default).
const BATCH = 2000;
const ROUNDS = 3;

function events(n: number): NormalizedEvent[] {
  const base = Date.UTC(2030, 0, 1, 8);
  return Array.from({ length: n }, (_, i) => ({
    externalId: `AAMkAGI2TG93AAA${randomBytes(24).toString('base64url')}`,
    title: `Client meeting ${i}`,
    start: new Date(base + i * 30 * 60_000),
    end: new Date(base + i * 30 * 60_000 + 25 * 60_000),
    isAllDay: false,
    availability: i % 7 === 0 ? 'TENTATIVE' : 'BUSY',
    seriesExternalId: i % 4 === 0 ? `series-${i % 40}` : null,
    version: randomBytes(8).toString('base64url'),
    clientKey: null,
  }));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function run(): Promise<Figure[]> {
  const admin = await adminDatabase();
  const name = `calbridge_bench_${randomBytes(4).toString('hex')}`;
  const adminClient = new Client({ connectionString: admin.url });
  await adminClient.connect();
  await adminClient.query(`CREATE DATABASE "${name}"`);
  const url = new URL(admin.url);
  url.pathname = `/${name}`;
  const ds = createDataSource({ url: url.toString(), poolSize: 2 });
  try {
    await ds.initialize();
    await migrate(ds);
    // One connection's calendar, as the sync writes for.
    const [{ id: agencyId }] = await ds.query(`INSERT INTO agencies (name, plan_code) VALUES ('Bench', 'AGENCY_PRO') RETURNING id`);
    const [{ id: locationId }] = await ds.query(`INSERT INTO locations (agency_id, name, timezone) VALUES ($1, 'Bench', 'UTC') RETURNING id`, [agencyId]);
    const [{ id: userId }] = await ds.query(`INSERT INTO users (agency_id, email, name, type, role) VALUES ($1, 'bench@example.test', 'Bench', 'ACCOUNT', 'USER') RETURNING id`, [agencyId]);
    await ds.query(`INSERT INTO location_members (location_id, user_id, agency_id) VALUES ($1, $2, $3)`, [locationId, userId, agencyId]);
    await ds.query(`INSERT INTO provider_accounts (provider, external_id, user_id) VALUES ('OUTLOOK', 'bench', $1)`, [userId]);
    const [{ id: connectionId }] = await ds.query(
      `INSERT INTO connections (agency_id, location_id, user_id, provider, account_external_id, account_email, credentials) VALUES ($1, $2, $3, 'OUTLOOK', 'bench', 'bench@example.test', 'x') RETURNING id`,
      [agencyId, locationId, userId],
    );
    const [{ id: calendarId }] = await ds.query(`INSERT INTO provider_calendars (connection_id, external_id, name, can_write, access, is_default) VALUES ($1, 'cal', 'Calendar', true, 'WRITE', true) RETURNING id`, [connectionId]);
    const owner = { calendarId, locationId, userId };
    const rows = events(ROWS);
    const payload = rows.map((e) => copyLine([calendarId, locationId, userId, e.externalId, e.seriesExternalId, e.title, e.start, e.end, e.isAllDay, e.availability, e.version, e.clientKey, 1])).join('');

    const copy = async () => {
      const started = performance.now();
      await ds.transaction((tx) => copyIn(tx, `COPY external_events (provider_calendar_id, location_id, user_id, external_id, series_external_id, title, start_time, end_time, is_all_day, availability, version, client_key, generation) FROM STDIN`, payload));
      return ROWS / ((performance.now() - started) / 1000);
    };
    /**
     * The sync's write stage as the sync job runs it: batches of BATCH events, one transaction each (asynchronous
     * commit), change detection returned. Generation 1 is a first sync (fresh); 2 re-marks every row (a full resync).
     */
    const write = async (generation: number) => {
      const started = performance.now();
      let changed = 0;
      for (let i = 0; i < rows.length; i += BATCH) {
        const batch = rows.slice(i, i + BATCH);
        changed += await ds.transaction(async (tx) => {
          await tx.query(`SET LOCAL synchronous_commit = off`);
          return (await new ExternalEventRepository(tx).upsert(owner, batch, generation, { fresh: generation === 1 })).length;
        });
      }
      return { rate: ROWS / ((performance.now() - started) / 1000), changed };
    };
    const empty = () => ds.query(`TRUNCATE external_events`);

    const copyRates: number[] = [];
    const insertRates: number[] = [];
    const resyncRates: number[] = [];
    await empty();
    await write(1); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      await empty();
      copyRates.push(await copy());
      await empty();
      const inserted = await write(1);
      if (inserted.changed !== ROWS) throw new Error(`the write stage reported ${inserted.changed} new rows, expected ${ROWS}`);
      insertRates.push(inserted.rate);
      const resynced = await write(2);
      if (resynced.changed !== 0) throw new Error(`a resync of unchanged rows reported ${resynced.changed} changes`);
      resyncRates.push(resynced.rate);
      process.stderr.write(`sync_write: COPY ${Math.round(copyRates[round])} rows/s, write stage ${Math.round(inserted.rate)} rows/s (insert), ${Math.round(resynced.rate)} rows/s (full resync, unchanged)\n`);
    }
    const copyRate = median(copyRates);
    const context = { rows: ROWS, batch: BATCH, rounds: ROUNDS, copyRowsPerSecond: Math.round(copyRate) };
    return [
      { figure: 'sync_write_ratio', value: Number((median(insertRates) / copyRate).toFixed(3)), unit: 'ratio', writeRowsPerSecond: Math.round(median(insertRates)), ...context },
      { figure: 'sync_write_resync_ratio', value: Number((median(resyncRates) / copyRate).toFixed(3)), unit: 'ratio', writeRowsPerSecond: Math.round(median(resyncRates)), ...context },
    ];
  } finally {
    if (ds.isInitialized) await ds.destroy();
    await adminClient.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
    await adminClient.end();
    await admin.stop();
  }
}

