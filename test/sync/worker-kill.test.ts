import { DataSource } from 'typeorm';
import { createDataSource } from '../../src/app/database/data-source';
import { ChildService, startChildService } from '../support/child-service';
import { ConnectFlow, Emulators, newTenant, startEmulators, uniqueEmail } from '../support/connect-flow';
import { googleEvent, hourFromNow, outlookEvent, plusMinutes } from '../support/provider-events';
import { defaultWindow, difference, storedLines, truthReader } from '../support/provider-truth';
import { createTestDatabaseUrl } from '../support/test-database';

// The service in a real process, killed with SIGKILL in the middle of big syncs (both providers, pages slowed at
// the emulators, part of the events already written): nothing runs on the way out, its calendars' leases stay held
// and its jobs stay active. Started again, it finishes the work by itself; and a second instance that was running
// all along finishes it once the lease has run out, without a restart, a request or a notification. Either way the
// calendars end with exactly the providers' events: none lost, none twice, edits made meanwhile included.

const EVENTS = 4500; // five pages of 1,000; written in batches of 2,000
const LEASE_SECONDS = 2;

const poll = async <T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs: number, what: () => string): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('kill -9 of a worker mid-sync', () => {
  let emu: Emulators;
  let ds: DataSource;
  let databaseUrl: string;
  let svc: ChildService | null = null;

  beforeAll(async () => {
    emu = await startEmulators();
    databaseUrl = await createTestDatabaseUrl();
    ds = createDataSource({ url: databaseUrl, poolSize: 2 });
    await ds.initialize();
  });
  afterAll(async () => {
    await svc?.kill();
    await ds?.destroy();
    await emu?.close();
  });

  test('restarted, the service finishes the interrupted syncs by itself: exactly the providers’ events, none lost or twice', async () => {
    const env = { ...emu.env, DATABASE_URL: databaseUrl, PROCESS_ROLE: 'all', SYNC_LEASE_SECONDS: String(LEASE_SECONDS) };
    svc = await startChildService(env);
    const w = await newTenant(ds);
    const outlook = emu.microsoft.addAccount({ email: uniqueEmail('killed', 'contoso-kill.test') });
    const google = emu.google.addAccount({ email: uniqueEmail('killed', 'gmail.test') });
    const first = hourFromNow(1, 0);
    const outlookIds: string[] = [];
    const googleIds: string[] = [];
    for (let i = 0; i < EVENTS; i++) {
      const start = plusMinutes(first, i * 30);
      outlookIds.push(outlookEvent(emu, outlook.defaultCalendarId, { title: `O${i}`, start, end: plusMinutes(start, 25) }));
      googleIds.push(googleEvent(emu, google.email, { title: `G${i}`, start, end: plusMinutes(start, 25) }));
    }
    // Every page of events takes a while at both providers, so the kill finds the syncs half-way.
    emu.microsoft.addFault({ kind: 'delay', ms: 250, account: outlook.userPrincipalName, route: 'GET /v1.0/me/calendars/*/calendarView/delta' });
    emu.google.faults.add({ fault: { type: 'delay', ms: 250 }, route: '/events', method: 'GET', account: google.email, times: Infinity });

    const flow = new ConnectFlow(svc, emu);
    const outlookConn = await flow.connected(w.userA, w.locA, 'OUTLOOK', outlook.userPrincipalName);
    const googleConn = await flow.connected(w.userA2, w.locA, 'GOOGLE', google.email);
    const progress = () =>
      ds.query(
        `SELECT pc.connection_id AS "connectionId", s.cursor IS NOT NULL AS done, s.lease_owner IS NOT NULL AS leased,
                (SELECT count(*)::int FROM external_events e WHERE e.provider_calendar_id = pc.id) AS stored
           FROM calendar_sync_states s JOIN provider_calendars pc ON pc.id = s.provider_calendar_id WHERE pc.connection_id = ANY($1::uuid[])`,
        [[outlookConn.id, googleConn.id]],
      ) as Promise<Array<{ connectionId: string; done: boolean; leased: boolean; stored: number }>>;

    // Both syncs under way, at least one batch written, neither finished: kill -9.
    const atKill = await poll(progress, (p) => p.length === 2 && p.some((c) => c.stored > 0) && p.every((c) => c.leased), 20_000, () => svc!.output());
    await svc.kill();
    const after = await progress();
    expect(after.every((c) => !c.done && c.leased)).toBe(true);
    expect(after.some((c) => c.stored > 0 && c.stored < EVENTS)).toBe(true);
    expect(atKill.length).toBe(2);

    // While the service is down the users go on editing: moves, deletions (of events stored or not yet), new events.
    for (const i of [1, 2500, 4400]) {
      const start = hourFromNow(200 - 30, 9); // still inside the window
      emu.microsoft.state.updateEvent(outlookIds[i], { start: { dateTime: start.toISOString(), timeZone: 'UTC' }, end: { dateTime: plusMinutes(start, 15).toISOString(), timeZone: 'UTC' } });
      emu.google.state.patchEvent(google.email, googleIds[i], { start: { dateTime: start.toISOString() }, end: { dateTime: plusMinutes(start, 15).toISOString() } });
    }
    for (const i of [0, 3, 2600, 4499]) {
      emu.microsoft.state.deleteEvent(outlookIds[i]);
      emu.google.state.deleteEvent(google.email, googleIds[i]);
    }
    outlookEvent(emu, outlook.defaultCalendarId, { title: 'Added while down', start: hourFromNow(2, 7), end: hourFromNow(2, 8) });
    googleEvent(emu, google.email, { title: 'Added while down', start: hourFromNow(2, 7), end: hourFromNow(2, 8) });
    emu.microsoft.faults.clear();
    emu.google.faults.clear();

    const window = defaultWindow();
    const [outlookTruth, googleTruth] = await Promise.all([
      truthReader(emu, 'OUTLOOK', outlook.userPrincipalName).then(async (r) => r.read(outlook.defaultCalendarId, window).finally(() => r.close())),
      truthReader(emu, 'GOOGLE', google.email).then(async (r) => r.read(google.email, window).finally(() => r.close())),
    ]);
    expect(outlookTruth).toHaveLength(EVENTS - 4 + 1);
    expect(googleTruth).toHaveLength(EVENTS - 4 + 1);

    // The same service started again: no request from anyone, it picks the interrupted syncs up.
    svc = await startChildService(env);
    const stored = async () => ({ outlook: await storedLines(ds, outlookConn.id, outlook.defaultCalendarId), google: await storedLines(ds, googleConn.id, google.email) });
    let last = { outlook: [] as string[], google: [] as string[] };
    await poll(
      async () => (last = await stored()),
      (s) => s.outlook.join('\n') === outlookTruth.join('\n') && s.google.join('\n') === googleTruth.join('\n'),
      20_000,
      () => `Outlook: ${difference(last.outlook, outlookTruth)}\nGoogle: ${difference(last.google, googleTruth)}\n${svc!.output()}`,
    );
    // And the calendars are at rest: synced, their leases released, a cursor for the next incremental sync.
    const rest = await poll(progress, (p) => p.every((c) => c.done && !c.leased), 10_000, () => svc!.output());
    expect(rest.map((c) => c.stored).sort()).toEqual([EVENTS - 3, EVENTS - 3]);
    await svc.stop();
    svc = null;
  }, 60_000);

  test('two instances: the one killed mid-incremental-sync leaves the calendars to the other, which finishes them once the lease has run out', async () => {
    // Its own database: only these two instances and these calendars.
    const url = await createTestDatabaseUrl();
    const db = createDataSource({ url, poolSize: 2 });
    await db.initialize();
    let second: ChildService | null = null;
    try {
      // Polls every 10 s, so the tick (which resumes what a dead worker left) runs every 5 s.
      const env = { ...emu.env, DATABASE_URL: url, PROCESS_ROLE: 'all', SYNC_LEASE_SECONDS: String(LEASE_SECONDS), SYNC_POLL_SECONDS: '10', SYNC_SAFETY_POLL_SECONDS: '10' };
      svc = await startChildService(env);
      const w = await newTenant(db);
      const outlook = emu.microsoft.addAccount({ email: uniqueEmail('survivor', 'contoso-kill.test') });
      const google = emu.google.addAccount({ email: uniqueEmail('survivor', 'gmail.test') });
      const BASE = 300;
      for (let i = 0; i < BASE; i++) {
        const start = plusMinutes(hourFromNow(1, 0), i * 60);
        outlookEvent(emu, outlook.defaultCalendarId, { title: `O${i}`, start, end: plusMinutes(start, 25) });
        googleEvent(emu, google.email, { title: `G${i}`, start, end: plusMinutes(start, 25) });
      }
      const flow = new ConnectFlow(svc, emu);
      const outlookConn = await flow.connected(w.userA, w.locA, 'OUTLOOK', outlook.userPrincipalName);
      const googleConn = await flow.connected(w.userA2, w.locA, 'GOOGLE', google.email);
      const progress = () =>
        db.query(
          `SELECT s.cursor, s.stage, s.lease_owner IS NOT NULL AS leased, (SELECT count(*)::int FROM external_events e WHERE e.provider_calendar_id = pc.id) AS stored
             FROM calendar_sync_states s JOIN provider_calendars pc ON pc.id = s.provider_calendar_id WHERE pc.connection_id = ANY($1::uuid[]) ORDER BY pc.connection_id`,
          [[outlookConn.id, googleConn.id]],
        ) as Promise<Array<{ cursor: string | null; stage: string; leased: boolean; stored: number }>>;
      const synced = await poll(progress, (p) => p.length === 2 && p.every((c) => c.cursor && !c.leased && c.stored === BASE), 20_000, () => svc!.output());

      // The second instance is up, then frozen (SIGSTOP) while the first one takes the next syncs.
      second = await startChildService(env);
      second.proc.kill('SIGSTOP');
      // Thirty daily series of 150 occurrences each: an incremental sync of five pages (notified by push).
      emu.microsoft.addFault({ kind: 'delay', ms: 700, account: outlook.userPrincipalName, route: 'GET /v1.0/me/calendars/*/calendarView/delta' });
      emu.google.faults.add({ fault: { type: 'delay', ms: 700 }, route: '/events', method: 'GET', account: google.email, times: Infinity });
      const SERIES = 30;
      const COUNT = 150;
      for (let i = 0; i < SERIES; i++) {
        const start = plusMinutes(hourFromNow(1, 0), 7 * i);
        const end = plusMinutes(start, 5);
        emu.microsoft.state.createEvent(outlook.defaultCalendarId, {
          subject: `Daily ${i}`,
          start: { dateTime: start.toISOString(), timeZone: 'UTC' },
          end: { dateTime: end.toISOString(), timeZone: 'UTC' },
          recurrence: { pattern: { type: 'daily', interval: 1 }, range: { type: 'numbered', startDate: start.toISOString().slice(0, 10), numberOfOccurrences: COUNT } },
        });
        emu.google.state.insertEvent(google.email, { summary: `Daily ${i}`, start: { dateTime: start.toISOString() }, end: { dateTime: end.toISOString() }, recurrence: [`RRULE:FREQ=DAILY;COUNT=${COUNT}`] });
      }
      const total = BASE + SERIES * COUNT;

      // Both incremental syncs under way on the first instance, at least one batch written, neither finished: kill -9.
      await poll(progress, (p) => p.every((c) => c.leased && c.stage === 'SYNCING') && p.some((c) => c.stored > BASE && c.stored < total), 30_000, () => svc!.output());
      await svc.kill();
      svc = null;
      const atKill = await progress();
      expect(atKill.every((c) => c.leased && c.stage === 'SYNCING')).toBe(true);
      // Neither cursor moved: the cursor is stored with the last batch only.
      expect(atKill.map((c) => c.cursor)).toEqual(synced.map((c) => c.cursor));
      expect(atKill.some((c) => c.stored > BASE && c.stored < total)).toBe(true);

      // Edits while nobody syncs (their notifications go to the dead instance), then the survivor wakes up.
      emu.microsoft.faults.clear();
      emu.google.faults.clear();
      const moved = hourFromNow(3, 6);
      outlookEvent(emu, outlook.defaultCalendarId, { title: 'After the kill', start: moved, end: plusMinutes(moved, 30) });
      googleEvent(emu, google.email, { title: 'After the kill', start: moved, end: plusMinutes(moved, 30) });
      second.proc.kill('SIGCONT');

      const window = defaultWindow();
      const [outlookTruth, googleTruth] = await Promise.all([
        truthReader(emu, 'OUTLOOK', outlook.userPrincipalName).then(async (r) => r.read(outlook.defaultCalendarId, window).finally(() => r.close())),
        truthReader(emu, 'GOOGLE', google.email).then(async (r) => r.read(google.email, window).finally(() => r.close())),
      ]);
      expect(outlookTruth).toHaveLength(total + 1);
      expect(googleTruth).toHaveLength(total + 1);
      const stored = async () => ({ outlook: await storedLines(db, outlookConn.id, outlook.defaultCalendarId), google: await storedLines(db, googleConn.id, google.email) });
      let last = { outlook: [] as string[], google: [] as string[] };
      await poll(
        async () => (last = await stored()),
        (s) => s.outlook.join('\n') === outlookTruth.join('\n') && s.google.join('\n') === googleTruth.join('\n'),
        20_000,
        () => `Outlook: ${difference(last.outlook, outlookTruth)}\nGoogle: ${difference(last.google, googleTruth)}\n${second!.output()}`,
      );
      const rest = await poll(progress, (p) => p.every((c) => c.cursor && !c.leased && c.stage === 'IDLE'), 10_000, () => second!.output());
      expect(rest.map((c) => c.stored)).toEqual([total + 1, total + 1]);
      expect(rest.every((c, i) => c.cursor !== atKill[i].cursor)).toBe(true);
    } finally {
      second?.proc.kill('SIGCONT');
      await second?.stop();
      await db.destroy();
    }
  }, 90_000);
});
