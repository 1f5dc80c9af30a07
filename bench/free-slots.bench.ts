// free_slots_p50 / free_slots_p99: freeSlots over 31 days for a ROUND_ROBIN calendar of 20 members with 1,000
// blocking third-party events each (synced rows in external_events, on their conflict calendars), through
// GraphQL over HTTP against the real service, 30 samples after warm-up. free_slots_ratio divides the p50 by a
// plain SQL read of those 20,000 blocks (median of several, same run, same database). Diagnostics on stderr;
// BENCH_CPU_PROFILE=dir writes a CPU profile of the timed samples.
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import type { Figure } from './run';
import { profiled } from './support/cpu-profile';
import { seedAvailabilityWorld, timedGql } from './support/availability-world';
import { median, percentile, startBenchService } from './support/bench-service';

const MEMBERS = 20;
const EVENTS = 1000;
const DAYS = 31;
const WARMUP = 10;
const SAMPLES = 30;
const SQL_READS = 5;

const FREE_SLOTS = `query FreeSlots($calendarId: ID!, $from: DateTimeISO!, $to: DateTimeISO!) {
  freeSlots(calendarId: $calendarId, from: $from, to: $to) { startTime endTime userIds }
}`;

export async function run(): Promise<Figure[]> {
  const s = await startBenchService({ RATE_LIMIT_RPS: '0' });
  const { t } = s;
  const sql = new Client({ connectionString: s.db.url });
  try {
    const w = await seedAvailabilityWorld(t, { members: MEMBERS, eventsPerMember: EVENTS, days: DAYS, zone: 'America/New_York', slotMinutes: 30 });
    await sql.connect();
    const variables = { calendarId: w.calendarId, from: w.from.toISOString(), to: w.to.toISOString() };
    const freeSlots = async () => {
      const r = await timedGql<{ freeSlots: Array<{ userIds: string[] }> }>(t.url, t.serviceToken, FREE_SLOTS, variables);
      if (r.body.errors || !r.body.data) throw new Error(`freeSlots failed: ${JSON.stringify(r.body.errors)}`);
      return { ms: r.ms, slots: r.body.data.freeSlots };
    };
    // The baseline: the blocks themselves, read as plainly as SQL allows (every column availability needs).
    const plainRead = async () => {
      const started = performance.now();
      const { rows } = await sql.query(
        `SELECT user_id, start_time, end_time FROM external_events
          WHERE location_id = $1 AND user_id = ANY($2::uuid[]) AND start_time < $4 AND end_time > $3`,
        [w.locationId, w.userIds, w.from, w.to],
      );
      const ms = performance.now() - started;
      if (rows.length !== MEMBERS * EVENTS) throw new Error(`the plain read found ${rows.length} blocks, expected ${MEMBERS * EVENTS}`);
      return ms;
    };

    for (let i = 0; i < WARMUP; i++) {
      await freeSlots();
      await plainRead();
    }
    const reads: number[] = [];
    for (let i = 0; i < SQL_READS; i++) reads.push(await plainRead());
    const samples: number[] = [];
    let slots: Array<{ userIds: string[] }> = [];
    // The service runs in this process: its CPU time per request (client side included, a small part) is a
    // figure a loaded machine disturbs less than wall time.
    const cpu = process.cpuUsage();
    await profiled('free-slots', async () => {
      for (let i = 0; i < SAMPLES; i++) {
        const r = await freeSlots();
        samples.push(r.ms);
        slots = r.slots;
      }
    });
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000 / SAMPLES;
    for (let i = 0; i < SQL_READS; i++) reads.push(await plainRead());

    const p50 = median(samples);
    const read = median(reads);
    const memberSlots = slots.reduce((n, x) => n + x.userIds.length, 0);
    process.stderr.write(`free_slots: p50 ${p50.toFixed(1)} ms, p99 ${percentile(samples, 99).toFixed(1)} ms, plain read ${read.toFixed(1)} ms; service CPU ${cpuMs.toFixed(1)} ms/request; ${slots.length} slots, ${memberSlots} member slots\n`);
    // The machine's load average and the fastest sample say how much of the wall time was waiting for a CPU.
    const context = {
      members: MEMBERS, eventsPerMember: EVENTS, days: DAYS, samples: SAMPLES, slots: slots.length, memberSlots,
      nodeCpuMsPerRequest: Number(cpuMs.toFixed(2)), minMs: Number(Math.min(...samples).toFixed(2)), loadAverage: Number(loadavg()[0].toFixed(2)),
    };
    return [
      { figure: 'free_slots_p50', value: Number(p50.toFixed(2)), unit: 'ms', ...context },
      { figure: 'free_slots_p99', value: Number(percentile(samples, 99).toFixed(2)), unit: 'ms', ...context },
      { figure: 'free_slots_ratio', value: Number((p50 / read).toFixed(3)), unit: 'ratio', plainReadMs: Number(read.toFixed(2)), sqlReads: reads.length, ...context },
    ];
  } finally {
    await sql.end().catch(() => undefined);
    await s.close();
  }
}
