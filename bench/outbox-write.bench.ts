// outbox_write_rate: provider events/s the outbox workers write to the emulators, 1,000 appointments at a time,
// through the service's real path (pg-boss jobs, leases, tokens, the per-mailbox semaphore, the drivers over
// HTTP(S)). The appointments are inserted by the booking's own SQL with their writes held; the clock starts when
// the writes are released as a reconnect releases them (the outbox's `connectionActive`) and stops when every
// write is WRITTEN. The emulators are checked to hold exactly one event per appointment. Diagnostics on stderr.
import { performance } from 'node:perf_hooks';
import { Provider } from '../src/connections/connection.enums';
import { AppointmentRepository } from '../src/scheduling/booking/appointment.repository';
import { heldEvents, LinkedMember, linkedMember, NOW } from '../test/support/outbox-world';
import type { Figure } from './run';
import { median, startBenchService, until } from './support/bench-service';

const APPOINTMENTS = 1000;
// Half on Outlook mailboxes, half on Google calendars; one mailbox each.
const PARTICIPANTS = 10;
const ROUNDS = 5;
const DAY_MS = 86_400_000;

export async function run(): Promise<Figure[]> {
  const s = await startBenchService();
  const { t, emu, flow } = s;
  try {
    t.app.services.clock.now = () => NOW;
    const members: LinkedMember[] = [];
    for (let i = 0; i < PARTICIPANTS; i++) members.push(await linkedMember(t, emu, flow, i % 2 === 0 ? 'OUTLOOK' : 'GOOGLE'));
    await t.app.whenIdle();
    const repo = new AppointmentRepository(t.app.ds);

    /** APPOINTMENTS appointments spread over the members (30 min each, back to back from `day`), their writes held. */
    const seed = async (day: number) => {
      const perMember = APPOINTMENTS / PARTICIPANTS;
      const base = NOW.getTime() + day * DAY_MS;
      for (const m of members) {
        await t.app.ds.transaction(async (tx) => {
          for (let i = 0; i < perMember; i++) {
            const start = new Date(base + i * 30 * 60_000);
            await repo.insert(tx, {
              agencyId: m.agencyId, locationId: m.locationId, calendarId: m.crmCalendarId, assignedUserId: m.userId, participantIds: [m.userId],
              title: `Bench appointment ${i}`, description: 'Agenda', attendeeEmails: [], start, end: new Date(start.getTime() + 30 * 60_000),
              bufferBeforeMinutes: 0, bufferAfterMinutes: 0, meetingProvider: 'NONE', providers: [Provider.OUTLOOK, Provider.GOOGLE],
            });
          }
          // Held as a connection needing reauthorization holds them: not due until released.
          await tx.query(`UPDATE appointment_writes SET next_attempt_at = 'infinity' WHERE state = 'PENDING'`);
        });
      }
    };
    const written = async () => Number((await t.app.ds.query(`SELECT count(*) AS n FROM appointment_writes WHERE state = 'WRITTEN'`))[0].n);
    const held = () => members.reduce((n, m) => n + heldEvents(emu, m).length, 0);

    const rates: number[] = [];
    // CPU of this process (service and emulators; PostgreSQL not included) per event: comparable on a busy machine.
    const cpuMs: number[] = [];
    // Round 0 warms up (connections, TLS sessions, prepared plans).
    for (let round = 0; round <= ROUNDS; round++) {
      const before = await written();
      await seed(7 + round * 10);
      const started = performance.now();
      const cpu = process.cpuUsage();
      t.sql.reset();
      for (const m of members) await t.app.services.outbox.connectionActive(m.connectionId);
      await until(async () => (await written()) - before >= APPOINTMENTS, 120_000, 'every write to be WRITTEN', 20);
      const seconds = (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpu);
      const statements = t.sql.count / APPOINTMENTS;
      const events = held();
      if (events !== (round + 1) * APPOINTMENTS) throw new Error(`the emulators hold ${events} events, expected ${(round + 1) * APPOINTMENTS}`);
      if (round === 0) continue;
      rates.push(APPOINTMENTS / seconds);
      cpuMs.push((used.user + used.system) / 1000 / APPOINTMENTS);
      process.stderr.write(`outbox_write: round ${round}: ${APPOINTMENTS} events in ${seconds.toFixed(2)} s = ${Math.round(APPOINTMENTS / seconds)}/s, ${cpuMs.at(-1)!.toFixed(2)} ms CPU, ${statements.toFixed(2)} SQL statements per event\n`);
    }
    return [
      {
        figure: 'outbox_write_rate',
        value: Math.round(median(rates)),
        unit: 'events/s',
        appointments: APPOINTMENTS,
        participants: PARTICIPANTS,
        providers: { OUTLOOK: PARTICIPANTS / 2, GOOGLE: PARTICIPANTS / 2 },
        mailboxConcurrency: t.app.config.SYNC_MAILBOX_CONCURRENCY,
        rounds: ROUNDS,
        rates: rates.map((r) => Math.round(r)),
        cpuMsPerEvent: Number(median(cpuMs).toFixed(2)),
      },
    ];
  } finally {
    await s.close();
  }
}
