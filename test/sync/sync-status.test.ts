import { print } from 'graphql';
import { ConflictsChangedDocument, ResyncConnectionDocument, SyncStatusLiveDocument, SyncStatusLiveSubscription } from '../generated/graphql';
import { newTenant, uniqueEmail } from '../support/connect-flow';
import { useEmulatedService } from '../support/emulated-service';
import { googleEvent, hourFromNow, plusMinutes } from '../support/provider-events';
import { nextWhere, primeConflicts, subscribe, untilLive, wsClient } from '../support/ws-client';

// What subscribers hear while calendars sync: syncStatusChanged on every change of syncState (QUEUED,
// SYNCING, IDLE, ERROR) with live lastSyncedAt and lastError; conflictsChanged with exactly the time a sync
// changed, and nothing when it changed nothing that blocks.

type Status = SyncStatusLiveSubscription['syncStatusChanged']['connection'];

describe('sync status and availability events', () => {
  // Fast backoff, ERROR after two failures in a row.
  const s = useEmulatedService({ app: { sync: { policy: { baseBackoffMs: 100, maxBackoffMs: 200, errorAfterFailures: 2 } } } });

  /** Every syncStatusChanged event of the location, in order, with a way to wait for one. */
  function statusLog(viewer: string, locationId: string) {
    const client = wsClient(s.t.wsUrl, s.t.tokenFor(viewer));
    s.clients.push(client);
    const events: Status[] = [];
    let wake: () => void = () => {};
    client.subscribe<SyncStatusLiveSubscription>(
      { query: print(SyncStatusLiveDocument), variables: { locationId } },
      { next: (r) => (r.data ? events.push(r.data.syncStatusChanged.connection) : undefined, wake()), error: () => wake(), complete: () => {} },
    );
    return {
      events,
      /** Resolves with the index of the first event at or after `from` that matches. */
      async waitFor(predicate: (e: Status) => boolean, from = 0): Promise<number> {
        for (;;) {
          const i = events.findIndex((e, n) => n >= from && predicate(e));
          if (i >= 0) return i;
          await new Promise<void>((resolve) => (wake = resolve));
        }
      },
    };
  }

  async function connected() {
    const w = await newTenant(s.ds());
    const me = s.emu.google.addAccount({ email: uniqueEmail('status', 'gmail.test') });
    const start = hourFromNow(2);
    googleEvent(s.emu, me.email, { title: 'Existing', start, end: plusMinutes(start, 60) });
    const conn = await s.flow.connected(w.userA, w.locA, 'GOOGLE', me.email);
    return { w, me, conn, calendarId: conn.calendars.find((c) => c.isDefault)!.id };
  }

  test('resyncConnection returns QUEUED; subscribers then hear SYNCING and IDLE, with lastSyncedAt moving on', async () => {
    const { w, conn } = await connected();
    const log = statusLog(w.userA, w.locA);
    const resync = () => s.t.gql(ResyncConnectionDocument, { connectionId: conn.id }, s.t.tokenFor(w.userA));
    await untilLive({ next: () => log.waitFor(() => true).then(() => ({})) }, resync);
    await s.t.app.whenIdle();
    const before = (await s.ds().query(`SELECT last_synced_at FROM connections WHERE id = $1`, [conn.id]))[0].last_synced_at as Date;

    const mark = log.events.length;
    const r = await resync();
    expect(r.errors).toBeUndefined();
    expect(r.data!.resyncConnection).toMatchObject({ id: conn.id, status: 'ACTIVE', syncState: 'QUEUED', lastError: null });
    const syncing = await log.waitFor((e) => e.syncState === 'SYNCING', mark);
    const idle = await log.waitFor((e) => e.syncState === 'IDLE', syncing);
    expect(log.events[mark].syncState).toBe('QUEUED');
    expect(Date.parse(log.events[idle].lastSyncedAt!)).toBeGreaterThan(before.getTime());
    expect(log.events.slice(mark, idle + 1).every((e) => e.id === conn.id && e.status === 'ACTIVE')).toBe(true);
  });

  test('resyncConnection while a calendar is still syncing answers QUEUED: the full resync waits behind that sync', async () => {
    const { w, me, conn } = await connected();
    await s.t.app.whenIdle();
    const log = statusLog(w.userA, w.locA);
    const resync = () => s.t.gql(ResyncConnectionDocument, { connectionId: conn.id }, s.t.tokenFor(w.userA));
    await untilLive({ next: () => log.waitFor(() => true).then(() => ({})) }, resync);
    await s.t.app.whenIdle();
    // The next sync's read is held at the provider for a while.
    s.emu.google.faults.add({ fault: { type: 'delay', ms: 1_500 }, route: /\/events$/, method: 'GET', account: me.email, times: 1 });
    const mark = log.events.length;
    expect((await resync()).errors).toBeUndefined();
    await log.waitFor((e) => e.syncState === 'SYNCING', mark);
    const r = await resync();
    expect(r.errors).toBeUndefined();
    expect(r.data!.resyncConnection).toMatchObject({ id: conn.id, status: 'ACTIVE', syncState: 'QUEUED' });
    await s.t.app.whenIdle();
  });

  test('repeated provider failures show syncState ERROR with a plain lastError; the connection recovers by itself', async () => {
    const { w, me, conn, calendarId } = await connected();
    const log = statusLog(w.userA, w.locA);
    await untilLive({ next: () => log.waitFor(() => true).then(() => ({})) }, () => s.t.gql(ResyncConnectionDocument, { connectionId: conn.id }, s.t.tokenFor(w.userA)));
    await s.t.app.whenIdle();

    // Google answers 503 to every read of the calendar's events (retried at once by the driver, then given up).
    s.emu.google.faults.add({ fault: { type: 'unavailable', retryAfterSec: 0 }, route: '/events', method: 'GET', account: me.email, times: Infinity });
    const mark = log.events.length;
    await s.t.app.services.sync.syncCalendars([calendarId]);
    const failed = await log.waitFor((e) => e.syncState === 'ERROR', mark);
    expect(log.events[failed]).toMatchObject({ id: conn.id, status: 'ACTIVE', lastError: 'Google Calendar is not responding. Sync continues automatically when it is back.' });
    const [state] = await s.ds().query(`SELECT stage, consecutive_failures FROM calendar_sync_states WHERE provider_calendar_id = $1`, [calendarId]);
    expect(state.stage).toBe('ERROR');
    expect(state.consecutive_failures).toBeGreaterThanOrEqual(2);

    // The provider is back: the next retry succeeds, and says so.
    s.emu.google.faults.clear();
    const recovered = await log.waitFor((e) => e.syncState === 'IDLE', failed);
    expect(log.events[recovered]).toMatchObject({ id: conn.id, lastError: null });
    await s.t.app.whenIdle();
  });

  test('conflictsChanged: exactly the old and new time of a moved event; nothing for a free event or a title edit', async () => {
    const { w, me, calendarId } = await connected();
    const client = wsClient(s.t.wsUrl, s.t.tokenFor(w.userA));
    s.clients.push(client);
    const sub = subscribe(client, ConflictsChangedDocument, { locationId: w.locA, userId: w.userA });
    const primer = { locationId: w.locA, userId: w.userA, from: new Date(0).toISOString(), to: new Date(1).toISOString() };
    await untilLive(sub, () => primeConflicts(s.t, w.locA, primer));
    const next = () => nextWhere(sub, (e) => e.data?.conflictsChanged.from !== primer.from).then((e) => e.data!.conflictsChanged);
    const sync = async () => {
      await s.t.app.services.sync.syncCalendars([calendarId]);
      await s.t.app.whenIdle();
    };

    // A free event and a title edit: no blocking time changed, so nothing is sent...
    const meeting = googleEvent(s.emu, me.email, { title: 'Meeting', start: hourFromNow(4, 9), end: hourFromNow(4, 10) });
    await sync();
    expect(await next()).toEqual({ userId: w.userA, locationId: w.locA, from: hourFromNow(4, 9).toISOString(), to: hourFromNow(4, 10).toISOString() });
    googleEvent(s.emu, me.email, { title: 'Gym (free)', start: hourFromNow(5, 7), end: hourFromNow(5, 8), free: true });
    s.emu.google.state.patchEvent(me.email, meeting, { summary: 'Meeting (renamed)' });
    await sync();
    // ...as the next event shows: it is the move below, the first change since.
    s.emu.google.state.patchEvent(me.email, meeting, { start: { dateTime: hourFromNow(4, 14).toISOString() }, end: { dateTime: hourFromNow(4, 15).toISOString() } });
    await sync();
    const moved = [await next(), await next()];
    expect(moved).toEqual([
      { userId: w.userA, locationId: w.locA, from: hourFromNow(4, 9).toISOString(), to: hourFromNow(4, 10).toISOString() },
      { userId: w.userA, locationId: w.locA, from: hourFromNow(4, 14).toISOString(), to: hourFromNow(4, 15).toISOString() },
    ]);
  });
});
