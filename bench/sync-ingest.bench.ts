// sync_ingest: events/s from completeConnection of 20 Outlook mailboxes (1,000 events each, in the in-process
// Microsoft emulator) until every event is in external_events, through the service's real path (OAuth code
// exchange, calendar list, pg-boss jobs, delta paging over HTTPS, the write stage).
//
// sync_ingest_ratio divides it by the driver alone reading the same shape of data in the same round, like with
// like: 20 mailboxes × 1,000 events, created fresh for each side (the emulator caches an event's JSON once served,
// so a re-read would be cheaper than a first read), read with the sync's page size and with as many calendars at
// a time as the sync worker runs (CALENDAR_SYNC.concurrency; each calendar's pages in sequence, well within the
// per-mailbox limit of 4 requests). Timed from the first byte the service would see: tokens are obtained (and the
// GraphQL callers' JWTs signed) beforehand on both sides. Diagnostics on stderr only; BENCH_TRACE=1 adds a timeline
// of every round, BENCH_CPU_PROFILE=dir a CPU profile of the timed part.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { CompleteConnectionDocument } from '../test/generated/graphql';
import { scalar } from '../test/support/connect-flow';
import { signUserToken } from '../src/app/auth/jwt';
import { CALENDAR_SYNC } from '../src/sync/jobs/queues';
import { SYNC_PAGE_SIZE } from '../src/sync/sync-services';
import { TEST_JWT_SECRET } from '../test/support/test-app';
import { benchDriver, driverTokens, readCalendars } from './driver-read-outlook.bench';
import type { Figure } from './run';
import { profiled } from './support/cpu-profile';
import { benchTenant, median, startBenchService, until } from './support/bench-service';

const MAILBOXES = 20;
const EVENTS = 1000;
const ROUNDS = 3;
const DAY = 86_400_000;

export async function run(): Promise<Figure[]> {
  const s = await startBenchService();
  const { t, emu, flow } = s;
  const driver = benchDriver(emu.microsoft);
  const trace = process.env.BENCH_TRACE ? (line: string) => process.stderr.write(`${line}\n`) : null;
  try {
    /** Seeds `mailboxes` accounts of `events` events each (every third hour from tomorrow, inside the sync window). */
    const seed = async (mailboxes: number, events: number) => {
      const tenant = await benchTenant(t, mailboxes);
      const base = Math.floor(Date.now() / DAY) * DAY + DAY + 8 * 3600_000;
      const accounts = [];
      for (const userId of tenant.userIds) {
        const [{ email }] = await t.app.ds.query(`SELECT email FROM users WHERE id = $1`, [userId]);
        const account = emu.microsoft.addAccount({ email });
        for (let i = 0; i < events; i++) {
          const start = base + i * 3 * 3600_000;
          emu.microsoft.state.createEvent(account.defaultCalendarId, {
            subject: `Client meeting ${i}`,
            showAs: i % 5 === 0 ? 'tentative' : 'busy',
            start: { dateTime: new Date(start).toISOString().slice(0, 19), timeZone: 'UTC' },
            end: { dateTime: new Date(start + 45 * 60_000).toISOString().slice(0, 19), timeZone: 'UTC' },
          });
        }
        accounts.push({ userId, email, account });
      }
      return { tenant, accounts };
    };

    /** The denominator: the driver alone reads `mailboxes` fresh calendars as the sync would. */
    const driverRound = async (mailboxes: number, events: number) => {
      const { accounts } = await seed(mailboxes, events);
      const calendars = [];
      for (const a of accounts) calendars.push({ tokens: await driverTokens(driver, emu.microsoft, a.account.userPrincipalName), calendarId: a.account.defaultCalendarId });
      const now = Date.now();
      const read = { concurrency: CALENDAR_SYNC.concurrency, pageSize: SYNC_PAGE_SIZE, windowStart: new Date(now - 7 * DAY), windowEnd: new Date(now + 180 * DAY) };
      const cpu = process.cpuUsage();
      const started = performance.now();
      const count = await readCalendars(driver, calendars, read);
      const seconds = (performance.now() - started) / 1000;
      const cpuMs = cpuMsSince(cpu);
      if (count !== mailboxes * events) throw new Error(`the driver read ${count} events, expected ${mailboxes * events}`);
      return { rate: count / seconds, seconds, cpuMs };
    };

    /** The pipeline: seeds and authorizes the mailboxes (code and state, as the browser brings them back), completes them all at once and times until every event is stored. */
    const ingestRound = async (mailboxes: number, events: number, profileName?: string) => {
      const { tenant, accounts } = await seed(mailboxes, events);
      const authorized: Array<{ jwt: string; state: string; code: string }> = [];
      for (const a of accounts) authorized.push({ jwt: signUserToken(TEST_JWT_SECRET, a.userId), ...(await flow.authorize(a.userId, tenant.locationId, 'OUTLOOK', a.email)) });
      const expected = mailboxes * events;
      const stored = () => scalar(t.app.ds, `SELECT count(*) FROM external_events WHERE location_id = $1`, [tenant.locationId]);
      const hooks = t.app.services.syncServices.calendarSync.hooks;
      const timeline: string[] = [];
      let started = 0;
      const mark = (what: string) => trace && timeline.push(`${Math.round(performance.now() - started)} ${what}`);
      if (trace) {
        hooks.started = (id) => mark(`sync started ${id.slice(0, 8)}`);
        hooks.ended = (id) => mark(`sync ended ${id.slice(0, 8)}`);
      }
      // Counted after each committed write of the sync (not awaited by it), so the end is seen at once without polling.
      let finished = 0;
      const allStored = new Promise<void>((resolve) => {
        hooks.afterPage = async (id) => {
          mark(`page written ${id.slice(0, 8)}`);
          void stored().then((n) => {
            if (n >= expected && !finished) {
              finished = performance.now();
              resolve();
            }
          });
        };
      });
      const statements = trace ? countStatements() : null;
      const pgCpu = trace ? await postgresCpuMs(t.app.ds) : 0;
      const cpu = process.cpuUsage();
      started = performance.now();
      await profiled(profileName ?? 'sync-ingest-warmup', async () => {
        const completed = await Promise.all(
          authorized.map((a, i) => t.gql(CompleteConnectionDocument, { state: a.state, code: a.code }, a.jwt).finally(() => mark(`completed ${i}`))),
        );
        const failed = completed.find((r) => r.errors);
        if (failed) throw new Error(`completeConnection failed: ${JSON.stringify(failed.errors)}`);
        await Promise.race([allStored, until(async () => finished > 0, 120_000, `${expected} events stored`, 250)]);
      });
      const cpuMs = cpuMsSince(cpu);
      if (trace) mark(`PostgreSQL CPU of this database's backends: ${Math.round((await postgresCpuMs(t.app.ds)) - pgCpu)} ms`);
      hooks.afterPage = hooks.started = hooks.ended = undefined;
      if (trace) trace(`${timeline.join('\n')}\n${Math.round(finished - started)} all stored\n${statements!.stop()}`);
      const seconds = (finished - started) / 1000;
      const count = await stored();
      if (count !== expected) throw new Error(`stored ${count} events, expected ${expected}`);
      await t.app.whenIdle();
      return { rate: expected / seconds, seconds, cpuMs };
    };

    // Warm-up: JIT, pools, TLS sessions
    await driverRound(2, 200);
    await ingestRound(2, 200);
    const reads: number[] = [];
    const ingests: number[] = [];
    const ratios: number[] = [];
    const readCpu: number[] = [];
    const ingestCpu: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const read = await driverRound(MAILBOXES, EVENTS);
      const ingest = await ingestRound(MAILBOXES, EVENTS, `sync-ingest-${i}`);
      reads.push(read.rate);
      ingests.push(ingest.rate);
      ratios.push(ingest.rate / read.rate);
      readCpu.push(read.cpuMs);
      ingestCpu.push(ingest.cpuMs);
      process.stderr.write(
        `sync_ingest: ${MAILBOXES * EVENTS} events from ${MAILBOXES} mailboxes: driver ${Math.round(read.rate)} events/s (${read.seconds.toFixed(2)} s, ${Math.round(read.cpuMs)} ms CPU), ` +
          `pipeline ${Math.round(ingest.rate)} events/s (${ingest.seconds.toFixed(2)} s, ${Math.round(ingest.cpuMs)} ms CPU of this process), ratio ${(ingest.rate / read.rate).toFixed(3)}\n`,
      );
    }
    const context = { mailboxes: MAILBOXES, eventsPerMailbox: EVENTS, rounds: ROUNDS };
    const driverRead = median(reads);
    const ingest = median(ingests);
    return [
      { figure: 'sync_ingest_driver_read', value: Math.round(driverRead), unit: 'events/s', concurrency: CALENDAR_SYNC.concurrency, pageSize: SYNC_PAGE_SIZE, ...context },
      { figure: 'sync_ingest', value: Math.round(ingest), unit: 'events/s', ...context },
      {
        figure: 'sync_ingest_ratio',
        value: Number((ingest / driverRead).toFixed(3)),
        unit: 'ratio',
        driverRead: Math.round(driverRead),
        roundRatios: ratios.map((r) => Number(r.toFixed(3))),
        // This process's CPU time (driver read ÷ pipeline, medians): steadier than wall time on a shared machine.
        cpuRatio: Number((median(readCpu) / median(ingestCpu)).toFixed(3)),
        ...context,
      },
    ];
  } finally {
    driver.close();
    await s.close();
  }
}

/** BENCH_TRACE: CPU time so far of the PostgreSQL backends serving this database (same machine: /proc). */
async function postgresCpuMs(ds: DataSource): Promise<number> {
  const backends: Array<{ pid: number }> = await ds.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`);
  const tick = 1000 / 100; // USER_HZ
  let ms = 0;
  for (const { pid } of backends) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ms += (Number(fields[11]) + Number(fields[12])) * tick;
    } catch {
      // ended meanwhile, or not on this machine
    }
  }
  return ms;
}

/** BENCH_TRACE: every SQL statement sent by this process (the service's pools and pg-boss's) until stop(), by text. */
function countStatements(): { stop(): string } {
  const proto = Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  const counts = new Map<string, number>();
  proto.query = function (this: unknown, ...args: unknown[]) {
    const q = args[0] as string | { text?: string } | undefined;
    const text = (typeof q === 'string' ? q : (q?.text ?? '(copy or submittable)')).replace(/\s+/g, ' ').slice(0, 110);
    counts.set(text, (counts.get(text) ?? 0) + 1);
    return original.apply(this, args);
  };
  return {
    stop: () => {
      proto.query = original;
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 60);
      return `${total} statements\n${top.map(([text, n]) => `${String(n).padStart(6)} ${text}`).join('\n')}`;
    },
  };
}

const cpuMsSince = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};
