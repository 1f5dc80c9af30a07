import type { Client } from 'graphql-ws';
import { ExternalEventsDocument, SyncStatusChangedDocument } from '../generated/graphql';
import { ConnectFlow, Emulators, newTenant, startEmulators, uniqueEmail } from '../support/connect-flow';
import { googleEvent, hourFromNow, plusMinutes } from '../support/provider-events';
import { startTestApp, TestApp } from '../support/test-app';
import { nextWhere, subscribe, untilLive, wsClient } from '../support/ws-client';

// Several instances on one database share the work: an api instance only enqueues and a worker instance
// runs the jobs, its events reaching the api instance's subscribers through Redis; two workers never sync
// one calendar at once.

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('instances', () => {
  let emu: Emulators;
  let api: TestApp;
  let worker: TestApp;
  let second: TestApp;
  let flow: ConnectFlow;
  const clients: Client[] = [];

  beforeAll(async () => {
    emu = await startEmulators();
    api = await startTestApp({ ...emu.env, PROCESS_ROLE: 'api', REDIS_URL });
    const db = api.app.config.DATABASE_URL!;
    worker = await startTestApp({ ...emu.env, PROCESS_ROLE: 'worker', REDIS_URL }, db, { sync: { pageSize: 2 } });
    second = await startTestApp({ ...emu.env, PROCESS_ROLE: 'worker', REDIS_URL }, db, { sync: { pageSize: 2 } });
    flow = new ConnectFlow(api, emu);
  });
  afterEach(async () => {
    emu.google.faults.clear();
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
  });
  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop(), second?.stop()]);
    await emu?.close();
  });

  test('api + worker: connecting through the api instance, the worker syncs; its status events reach the api instance’s subscribers', async () => {
    const w = await newTenant(api.app.ds);
    const me = emu.google.addAccount({ email: uniqueEmail('split', 'gmail.test') });
    const start = hourFromNow(1, 11);
    googleEvent(emu, me.email, { title: 'Synced elsewhere', start, end: plusMinutes(start, 30) });
    const client = wsClient(api.wsUrl, api.tokenFor(w.userA));
    clients.push(client);
    const status = subscribe(client, SyncStatusChangedDocument, { locationId: w.locA });
    // Live once an event published by a worker came through Redis.
    const primer = { id: '00000000-0000-4000-8000-000000000001', provider: 'GOOGLE', accountEmail: 'primer@example.test', userId: w.userA, locationId: w.locA, status: 'ACTIVE', syncState: 'IDLE', lastSyncedAt: null, lastError: null };
    await untilLive(status, async () => {
      worker.app.services.events.statusChanged(primer as never);
      await new Promise((resolve) => setTimeout(resolve, 5)); // let Redis carry it before publishing again
    });

    const ran: string[] = [];
    for (const [name, t] of [['api', api], ['worker', worker], ['second', second]] as const) t.app.services.syncServices.calendarSync.hooks.started = () => void ran.push(name);
    const conn = await flow.connected(w.userA, w.locA, 'GOOGLE', me.email);
    const idle = await nextWhere(status, (e) => e.data?.syncStatusChanged.connection.id === conn.id && e.data.syncStatusChanged.connection.syncState === 'IDLE');
    expect(idle.errors).toBeUndefined();
    expect(ran.length).toBeGreaterThan(0);
    expect(ran).not.toContain('api');
    const events = await api.gql(ExternalEventsDocument, { locationId: w.locA, from: hourFromNow(0, 0).toISOString(), to: hourFromNow(2, 0).toISOString() }, api.tokenFor(w.userA));
    expect(events.data!.externalEvents.map((e) => e.title)).toEqual(['Synced elsewhere']);
  });

  test('two workers never sync one calendar at once; a burst from both ends converged', async () => {
    const w = await newTenant(api.app.ds);
    const me = emu.google.addAccount({ email: uniqueEmail('two', 'gmail.test') });
    for (let i = 1; i <= 6; i++) googleEvent(emu, me.email, { title: `E${i}`, start: hourFromNow(i, 9), end: hourFromNow(i, 10) });
    const conn = await flow.connected(w.userA, w.locA, 'GOOGLE', me.email);
    const calendarId = conn.calendars.find((c) => c.isDefault)!.id;

    // Every page read takes a while, so syncs overlap in time unless something keeps them apart.
    emu.google.faults.add({ fault: { type: 'delay', ms: 60 }, route: '/events', method: 'GET', account: me.email, times: Infinity });
    const timeline: Array<{ at: number; who: string; what: 'start' | 'end' | 'busy' }> = [];
    for (const [name, t] of [['worker', worker], ['second', second]] as const) {
      const hooks = t.app.services.syncServices.calendarSync.hooks;
      hooks.started = (id) => void (id === calendarId && timeline.push({ at: performance.now(), who: name, what: 'start' }));
      hooks.ended = (id) => void (id === calendarId && timeline.push({ at: performance.now(), who: name, what: 'end' }));
      hooks.busy = (id) => void (id === calendarId && timeline.push({ at: performance.now(), who: name, what: 'busy' }));
    }
    // Requests for the same calendar from both instances (and the api), full and incremental, in bursts.
    for (let round = 0; round < 4; round++) {
      googleEvent(emu, me.email, { title: `R${round}`, start: hourFromNow(10 + round, 9), end: hourFromNow(10 + round, 10) });
      await Promise.all([
        worker.app.services.sync.syncCalendars([calendarId], { full: round % 2 === 0 }),
        second.app.services.sync.syncCalendars([calendarId]),
        api.app.services.sync.syncCalendars([calendarId]),
      ]);
      await Promise.all([worker.app.whenIdle(), second.app.whenIdle()]);
    }

    // At most one sync of the calendar at a time: starts and ends alternate.
    const runs = timeline.filter((e) => e.what !== 'busy');
    expect(runs.length).toBeGreaterThanOrEqual(8);
    runs.forEach((e, i) => expect(e.what).toBe(i % 2 === 0 ? 'start' : 'end'));
    runs.forEach((e, i) => i % 2 === 1 && expect(e.who).toBe(runs[i - 1].who));
    // They did compete for it (a job found the calendar busy and was put back), and both took part.
    expect(timeline.some((e) => e.what === 'busy')).toBe(true);
    expect(new Set(runs.map((e) => e.who))).toEqual(new Set(['worker', 'second']));

    const events = await api.gql(ExternalEventsDocument, { locationId: w.locA, from: hourFromNow(0, 0).toISOString(), to: hourFromNow(20, 0).toISOString() }, api.tokenFor(w.userA));
    expect(events.data!.externalEvents.map((e) => e.title).sort()).toEqual(['E1', 'E2', 'E3', 'E4', 'E5', 'E6', 'R0', 'R1', 'R2', 'R3']);
  });

  test('a calendar whose lease a killed worker left behind is synced again once the lease runs out', async () => {
    const w = await newTenant(api.app.ds);
    const me = emu.google.addAccount({ email: uniqueEmail('killed', 'gmail.test') });
    const conn = await flow.connected(w.userA, w.locA, 'GOOGLE', me.email);
    const calendarId = conn.calendars.find((c) => c.isDefault)!.id;
    // A worker died mid-sync (kill -9): its lease stays for a while, nobody releases it.
    await api.app.ds.query(`UPDATE calendar_sync_states SET stage = 'SYNCING', lease_owner = gen_random_uuid(), lease_until = now() + interval '4 seconds' WHERE provider_calendar_id = $1`, [calendarId]);
    googleEvent(emu, me.email, { title: 'After the crash', start: hourFromNow(1, 9), end: hourFromNow(1, 10) });
    const busy: string[] = [];
    for (const t of [worker, second]) t.app.services.syncServices.calendarSync.hooks.busy = (id) => void busy.push(id);

    await api.app.services.sync.syncCalendars([calendarId]);
    await api.app.whenIdle();
    expect(busy).toContain(calendarId);
    const events = await api.gql(ExternalEventsDocument, { locationId: w.locA, from: hourFromNow(0, 0).toISOString(), to: hourFromNow(2, 0).toISOString() }, api.tokenFor(w.userA));
    expect(events.data!.externalEvents.map((e) => e.title)).toEqual(['After the crash']);
    const [state] = await api.app.ds.query(`SELECT stage, lease_owner FROM calendar_sync_states WHERE provider_calendar_id = $1`, [calendarId]);
    expect(state).toEqual({ stage: 'IDLE', lease_owner: null });
  });
});
