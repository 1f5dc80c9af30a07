// book_p50 / bookings_per_s: 20 concurrent clients each booking distinct free slots of a ROUND_ROBIN calendar (the
// service picks the member) through GraphQL over HTTP, against the real service on the free-slots world (20
// members, 1,000 blocking events each in the month). The members' conflict calendars were synced just now, so the
// freshness check before a booking calls no provider (checked: a provider call fails the bench). Each booking
// queues a write to the member's linked calendar; the instance only queues them (PROCESS_ROLE api: workers write
// elsewhere), so provider writes do not compete here (outbox_write_rate measures them). Diagnostics on stderr.
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Figure } from './run';
import { seedAvailabilityWorld, timedGql } from './support/availability-world';
import { median, percentile, startBenchService } from './support/bench-service';

const MEMBERS = 20;
const EVENTS = 1000;
const DAYS = 31;
const CLIENTS = 20;
const PER_CLIENT = 10;

const FREE_SLOTS = `query FreeSlots($calendarId: ID!, $from: DateTimeISO!, $to: DateTimeISO!) {
  freeSlots(calendarId: $calendarId, from: $from, to: $to) { startTime userIds }
}`;
const BOOK = `mutation Book($input: BookAppointmentInput!) {
  bookAppointment(input: $input) { id startTime endTime status assignedUser { id } providerWriteState }
}`;

export async function run(): Promise<Figure[]> {
  // One service token for every client (as a CRM backend books): its rate limit would cap the figure, so it is off.
  const s = await startBenchService({ RATE_LIMIT_RPS: '0' }, { outbox: { work: false } });
  const { t, emu } = s;
  try {
    const w = await seedAvailabilityWorld(t, { members: MEMBERS, eventsPerMember: EVENTS, days: DAYS, zone: 'America/New_York', slotMinutes: 30, linked: true });
    const listed = await timedGql<{ freeSlots: Array<{ startTime: string }> }>(t.url, t.serviceToken, FREE_SLOTS, { calendarId: w.calendarId, from: w.from.toISOString(), to: w.to.toISOString() });
    const slots = listed.body.data!.freeSlots.map((x) => x.startTime);
    const needed = CLIENTS * (PER_CLIENT + 1);
    if (slots.length < needed) throw new Error(`only ${slots.length} free slots, ${needed} needed`);

    // A provider call before a booking would show as a sync run or an emulator request.
    const sync = t.app.services.syncServices.calendarSync;
    const runSync = sync.run.bind(sync);
    let syncs = 0;
    sync.run = (...args: Parameters<typeof sync.run>) => {
      syncs++;
      return runSync(...args);
    };
    const providerRequests = () => emu.google.requestLog.entries.length + emu.microsoft.requestLog.list({}).length;
    const requestsBefore = providerRequests();

    const book = async (startTime: string) => {
      const r = await timedGql<{ bookAppointment: { id: string } }>(t.url, t.serviceToken, BOOK, { input: { calendarId: w.calendarId, startTime, title: 'Consultation' } });
      if (r.body.errors || !r.body.data) throw new Error(`booking ${startTime} failed: ${JSON.stringify(r.body.errors)}`);
      return r.ms;
    };
    // Distinct slots: client c takes every CLIENTS-th one, so concurrent clients book across the month.
    const slotOf = (client: number, k: number) => slots[k * CLIENTS + client];
    // Warm-up: one booking per client, all at once.
    await Promise.all(Array.from({ length: CLIENTS }, (_, c) => book(slotOf(c, 0))));

    const latencies: number[] = [];
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        for (let k = 1; k <= PER_CLIENT; k++) latencies.push(await book(slotOf(c, k)));
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    if (syncs || providerRequests() !== requestsBefore) throw new Error(`bookings called the provider: ${syncs} syncs, ${providerRequests() - requestsBefore} requests`);
    const [{ n }] = await t.app.ds.query(`SELECT count(*)::int AS n FROM appointments WHERE calendar_id = $1 AND status = 'CONFIRMED'`, [w.calendarId]);
    if (n !== needed) throw new Error(`${n} confirmed appointments, expected ${needed}`);

    const bookings = CLIENTS * PER_CLIENT;
    process.stderr.write(`booking: p50 ${median(latencies).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, ${(bookings / seconds).toFixed(1)} bookings/s (${bookings} by ${CLIENTS} clients)\n`);
    const context = { clients: CLIENTS, bookings, members: MEMBERS, eventsPerMember: EVENTS, providerCallsBeforeBooking: 0, loadAverage: Number(loadavg()[0].toFixed(2)) };
    return [
      { figure: 'book_p50', value: Number(median(latencies).toFixed(2)), unit: 'ms', p99: Number(percentile(latencies, 99).toFixed(2)), ...context },
      { figure: 'bookings_per_s', value: Number((bookings / seconds).toFixed(1)), unit: 'bookings/s', ...context },
    ];
  } finally {
    await s.close();
  }
}
