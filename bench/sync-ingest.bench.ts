// sync_ingest: events/s from completeConnection of 20 Outlook mailboxes (1,000 events each, in the in-process
// Microsoft emulator) until every event is in external_events, through the service's real path (OAuth code
// exchange, calendar list, pg-boss jobs, delta paging over HTTPS, the write stage); sync_ingest_ratio divides it by
// driver_read_outlook measured in the same run. Diagnostics on stderr only.
import { performance } from 'node:perf_hooks';
import { scalar } from '../test/support/connect-flow';
import { measureDriverReadOutlook } from './driver-read-outlook.bench';
import type { Figure } from './run';
import { profiled } from './support/cpu-profile';
import { benchTenant, median, startBenchService, until } from './support/bench-service';

const MAILBOXES = 20;
const EVENTS = 1000;
const ROUNDS = 3;

export async function run(): Promise<Figure[]> {
  const driverRead = await measureDriverReadOutlook();
  const s = await startBenchService();
  const { t, emu, flow } = s;
  try {
    /** Seeds `mailboxes` accounts, authorizes them (code and state, as the browser would bring them back), then completes them all at once and times until every event is stored. */
    const round = async (mailboxes: number, events: number, profileName?: string) => {
      const tenant = await benchTenant(t, mailboxes);
      const day = 86_400_000;
      const base = Math.floor(Date.now() / day) * day + day + 8 * 3600_000;
      const authorized = [];
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
        authorized.push({ userId, ...(await flow.authorize(userId, tenant.locationId, 'OUTLOOK', email)) });
      }
      const expected = mailboxes * events;
      const stored = () => scalar(t.app.ds, `SELECT count(*) FROM external_events WHERE location_id = $1`, [tenant.locationId]);
      // Counted after each committed write of the sync (not awaited by it), so the end is seen at once without polling.
      let finished = 0;
      const allStored = new Promise<void>((resolve) => {
        t.app.services.syncServices.calendarSync.hooks.afterPage = async (id) => {
          mark(`page written ${id.slice(0, 8)}`);
          void stored().then((n) => {
            if (n >= expected && !finished) {
              finished = performance.now();
              resolve();
            }
          });
        };
      });
      const started = performance.now();
      // BENCH_TRACE=1: when each completion returned and each sync started, wrote and ended (ms from the start).
      const trace: string[] = [];
      const mark = (what: string) => trace.push(`${Math.round(performance.now() - started)} ${what}`);
      const hooks = t.app.services.syncServices.calendarSync.hooks;
      if (process.env.BENCH_TRACE) {
        hooks.started = (id) => mark(`sync started ${id.slice(0, 8)}`);
        hooks.ended = (id) => mark(`sync ended ${id.slice(0, 8)}`);
      }
      await profiled(profileName ?? 'sync-ingest-warmup', async () => {
        const completed = await Promise.all(authorized.map((a, i) => flow.complete(a.userId, a.state, a.code).finally(() => mark(`completed ${i}`))));
        const failed = completed.find((r) => r.errors);
        if (failed) throw new Error(`completeConnection failed: ${JSON.stringify(failed.errors)}`);
        await Promise.race([allStored, until(async () => finished > 0, 120_000, `${expected} events stored`, 250)]);
      });
      hooks.afterPage = hooks.started = hooks.ended = undefined;
      if (process.env.BENCH_TRACE) process.stderr.write(`${trace.join('\n')}\n${Math.round(finished - started)} all stored\n`);
      const seconds = (finished - started) / 1000;
      const count = await stored();
      if (count !== expected) throw new Error(`stored ${count} events, expected ${expected}`);
      await t.app.whenIdle();
      return expected / seconds;
    };

    await round(2, 200); // warm-up: JIT, pools, TLS sessions
    const rates: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const rate = await round(MAILBOXES, EVENTS, `sync-ingest-${i}`);
      process.stderr.write(`sync_ingest: ${MAILBOXES * EVENTS} events from ${MAILBOXES} mailboxes at ${Math.round(rate)} events/s\n`);
      rates.push(rate);
    }
    const ingest = median(rates);
    const context = { mailboxes: MAILBOXES, eventsPerMailbox: EVENTS, rounds: ROUNDS };
    return [
      driverRead,
      { figure: 'sync_ingest', value: Math.round(ingest), unit: 'events/s', ...context },
      { figure: 'sync_ingest_ratio', value: Number((ingest / driverRead.value).toFixed(3)), unit: 'ratio', driverReadOutlook: driverRead.value, ...context },
    ];
  } finally {
    await s.close();
  }
}
