import { ExternalEventsDocument, Provider, UpdateCalendarConfigurationDocument } from '../generated/graphql';
import { ConnectFlow, Emulators, newTenant, startEmulators, uniqueEmail } from '../support/connect-flow';
import { eventually } from '../support/eventually';
import { googleEvent, hourFromNow, outlookEvent, plusMinutes } from '../support/provider-events';
import { startTestApp, TestApp } from '../support/test-app';
import { mailboxKey } from '../../src/sync/throttle/mailbox-semaphore';

// Throttling: a 429 (Google: 403 rateLimitExceeded) with Retry-After defers the sync job until then (no worker
// waits, no request goes out before it, not even for a notification meanwhile) and it then succeeds; /metrics
// counts it. At most SYNC_MAILBOX_CONCURRENCY (4) requests are in flight per mailbox across two instances.

// Above the drivers' in-call wait budget (5 s): the job queue defers the sync instead.
const RETRY_AFTER_SECONDS = 6;

describe('throttling', () => {
  let emu: Emulators;
  let a: TestApp;
  let b: TestApp;
  let flow: ConnectFlow;
  const ds = () => a.app.ds;

  beforeAll(async () => {
    emu = await startEmulators();
    a = await startTestApp(emu.env);
    b = await startTestApp(emu.env, a.app.config.DATABASE_URL!);
    flow = new ConnectFlow(a, emu);
  });
  afterEach(() => {
    emu.microsoft.faults.clear();
    emu.google.faults.clear();
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await emu?.close();
  });

  const titles = async (userId: string, locationId: string) => {
    const r = await a.gql(ExternalEventsDocument, { locationId, from: hourFromNow(-1, 0).toISOString(), to: hourFromNow(40, 0).toISOString() }, a.tokenFor(userId));
    expect(r.errors).toBeUndefined();
    return r.data!.externalEvents.map((e) => e.title).sort();
  };

  /** Both instances' metrics (each counts what it ran). */
  async function scrape(): Promise<string> {
    const texts = await Promise.all(
      [a, b].map(async (t) => {
        const res = await fetch(`${t.url.replace(/\/graphql$/, '')}/metrics`);
        expect(res.status).toBe(200);
        return res.text();
      }),
    );
    return texts.join('\n');
  }

  /** A connected account, its reads of the calendar's changes (arrival times, statuses), and a way to throttle them. */
  async function throttledAccount(provider: Provider) {
    const w = await newTenant(ds());
    if (provider === 'OUTLOOK') {
      const me = emu.microsoft.addAccount({ email: uniqueEmail('throttle', 'contoso-throttle.test') });
      const conn = await flow.connected(w.userA, w.locA, provider, me.userPrincipalName);
      return {
        w,
        conn,
        create: (title: string) => outlookEvent(emu, me.defaultCalendarId, { title, start: hourFromNow(2, 10), end: plusMinutes(hourFromNow(2, 10), 30) }),
        throttleOnce: () => emu.microsoft.faults.add({ kind: 'throttle', retryAfterSeconds: RETRY_AFTER_SECONDS, account: me.userPrincipalName, route: 'GET /v1.0/me/calendars/*/calendarView/delta', times: 1 }),
        reads: () => emu.microsoft.requestLog.list({ method: 'GET', path: /calendarView\/delta$/, account: me.userPrincipalName }).map((r) => ({ time: r.time, status: r.status })),
      };
    }
    const me = emu.google.addAccount({ email: uniqueEmail('throttle', 'gmail.test') });
    const conn = await flow.connected(w.userA, w.locA, provider, me.email);
    const path = `/calendars/${encodeURIComponent(me.email)}/events`;
    return {
      w,
      conn,
      create: (title: string) => googleEvent(emu, me.email, { title, start: hourFromNow(2, 10), end: plusMinutes(hourFromNow(2, 10), 30) }),
      throttleOnce: () => emu.google.faults.add({ fault: { type: 'rateLimit', status: 403, reason: 'rateLimitExceeded', retryAfterSec: RETRY_AFTER_SECONDS }, route: path, method: 'GET', account: me.email, times: 1 }),
      reads: () => emu.google.requestLog.entries.filter((r) => r.method === 'GET' && r.path.endsWith(path)).map((r) => ({ time: r.time, status: r.status })),
    };
  }

  test('a 429 / 403 rate limit with Retry-After defers the sync until then: nothing is asked before it, even for a notification, and then it succeeds', async () => {
    const accounts = await Promise.all((['OUTLOOK', 'GOOGLE'] as const).map(async (provider) => ({ provider, ...(await throttledAccount(provider)) })));
    await Promise.all(
      accounts.map(async (acc) => {
        const calendarId = acc.conn.calendars.find((c) => c.isDefault)!.id;
        const before = acc.reads().length;
        acc.throttleOnce();
        acc.create('Created before the limit');
        await a.app.services.sync.syncCalendars([calendarId]);
        // The read was refused: the sync waits for its retry, which is a job due at Retry-After.
        const [refused] = await eventually(() => acc.reads().slice(before), (rs) => rs.length > 0);
        expect(refused.status).toBe(acc.provider === 'OUTLOOK' ? 429 : 403);
        const [state] = await eventually(
          () => ds().query(`SELECT stage, next_attempt_at, consecutive_failures FROM calendar_sync_states WHERE provider_calendar_id = $1`, [calendarId]),
          (rs) => rs[0].stage === 'BACKOFF',
        );
        expect(state.consecutive_failures).toBe(1);
        expect(state.next_attempt_at.getTime() - refused.time).toBeGreaterThanOrEqual(RETRY_AFTER_SECONDS * 1000 - 50);
        // One throttled read is no error: the connection is idle, waiting.
        const [conn] = await eventually(() => ds().query(`SELECT sync_state, last_error FROM connections WHERE id = $1`, [acc.conn.id]), (rs) => rs[0].sync_state !== 'SYNCING');
        expect(conn).toEqual({ sync_state: 'IDLE', last_error: null });

        // A change notified meanwhile does not bring the retry forward.
        acc.create('Created during the wait');
        expect(await eventually(() => titles(acc.w.userA, acc.w.locA), (ts) => ts.length === 2, (RETRY_AFTER_SECONDS + 5) * 1000)).toEqual(['Created before the limit', 'Created during the wait']);
        const after = acc.reads().slice(before);
        expect(after.length).toBeGreaterThanOrEqual(2);
        expect(after[1].time - refused.time).toBeGreaterThanOrEqual(RETRY_AFTER_SECONDS * 1000);
        const [recovered] = await ds().query(`SELECT stage, consecutive_failures, last_error FROM calendar_sync_states WHERE provider_calendar_id = $1`, [calendarId]);
        expect(recovered).toEqual({ stage: 'IDLE', consecutive_failures: 0, last_error: null });
      }),
    );
    await Promise.all([a.app.whenIdle(), b.app.whenIdle()]);
    const metrics = await scrape();
    expect(metrics).toMatch(/calbridge_syncs_total\{provider="outlook",kind="incremental",outcome="throttled"\} 1/);
    expect(metrics).toMatch(/calbridge_syncs_total\{provider="google",kind="incremental",outcome="throttled"\} 1/);
    // The lag of the deferred sync runs from when it was asked for, across the wait.
    const lags = [...metrics.matchAll(/calbridge_sync_lag_seconds_bucket\{le="5",provider="(\w+)",trigger="initial"\} (\d+)[\s\S]*?calbridge_sync_lag_seconds_count\{provider="\1",trigger="initial"\} (\d+)/g)];
    expect(lags.some(([, , under5, count]) => Number(count) > Number(under5))).toBe(true);
    expect(metrics).toMatch(/calbridge_job_queue_depth\{job="calendar-sync"\} \d+/);
  }, 30_000);

  test('the throttle is the mailbox’s: a Retry-After on one calendar defers the other calendars of that mailbox too, on every instance', async () => {
    const state = async (calendarId: string) =>
      (await ds().query(`SELECT stage, next_attempt_at, last_error FROM calendar_sync_states WHERE provider_calendar_id = $1`, [calendarId]))[0] as { stage: string; next_attempt_at: Date | null; last_error: string | null };
    await Promise.all(
      (['OUTLOOK', 'GOOGLE'] as const).map(async (provider) => {
        const w = await newTenant(ds());
        let login: string;
        let externalIds: string[];
        let create: (externalId: string, title: string) => void;
        let throttleFirst: () => void;
        let requests: () => Array<{ time: number; status: number | null; path: string }>;
        if (provider === 'OUTLOOK') {
          const me = emu.microsoft.addAccount({ email: uniqueEmail('mbthrottle', 'contoso-throttle.test'), calendars: ['Second'] });
          login = me.userPrincipalName;
          externalIds = [me.defaultCalendarId, emu.microsoft.state.calendarsOf(me.id).find((c) => c.name === 'Second')!.id];
          create = (id, title) => void outlookEvent(emu, id, { title, start: hourFromNow(3, 10), end: plusMinutes(hourFromNow(3, 10), 30) });
          throttleFirst = () =>
            emu.microsoft.faults.add({ kind: 'throttle', retryAfterSeconds: RETRY_AFTER_SECONDS, account: login, route: `GET /v1.0/me/calendars/${externalIds[0]}/calendarView/delta`, times: 1 });
          requests = () => emu.microsoft.requestLog.list({ account: login }).map((r) => ({ time: r.time, status: r.status, path: r.path }));
        } else {
          const me = emu.google.addAccount({ email: uniqueEmail('mbthrottle', 'gmail.test'), calendars: [{ summary: 'Second' }] });
          login = me.email;
          externalIds = [me.email, [...me.calendars.values()].map((c) => c.calendarId).find((id) => id !== me.email)!];
          create = (id, title) => void googleEvent(emu, id, { title, start: hourFromNow(3, 10), end: plusMinutes(hourFromNow(3, 10), 30) });
          const path = `/calendars/${encodeURIComponent(me.email)}/events`;
          throttleFirst = () =>
            emu.google.faults.add({ fault: { type: 'rateLimit', status: 403, reason: 'rateLimitExceeded', retryAfterSec: RETRY_AFTER_SECONDS }, route: path, method: 'GET', account: login, times: 1 });
          requests = () => emu.google.requestLog.entries.filter((r) => r.account === login).map((r) => ({ time: r.time, status: r.status, path: r.path }));
        }
        const conn = await flow.connected(w.userA, w.locA, provider, login);
        const rows: Array<{ id: string; external_id: string }> = await ds().query(`SELECT id, external_id FROM provider_calendars WHERE connection_id = $1`, [conn.id]);
        const [first, second] = externalIds.map((x) => rows.find((r) => r.external_id === x)!.id);
        const upd = await a.gql(UpdateCalendarConfigurationDocument, { input: { locationId: w.locA, conflictCalendarIds: [first, second] } }, a.tokenFor(w.userA));
        expect(upd.errors).toBeUndefined();
        await Promise.all([a.app.whenIdle(), b.app.whenIdle()]);
        create(externalIds[0], 'In the first calendar');
        create(externalIds[1], 'In the second calendar');

        const before = requests().length;
        throttleFirst();
        await a.app.services.sync.syncCalendars([first]);
        const refused = (await eventually(() => requests().slice(before), (rs) => rs.some((r) => r.status === 429 || r.status === 403))).find((r) => r.status === 429 || r.status === 403)!;
        await eventually(() => state(first), (s) => s.stage === 'BACKOFF');
        // From the moment the throttle is recorded, nothing may reach the mailbox. A request already sent before
        // (e.g. a push-driven sync of the second calendar racing the refusal) cannot be called back.
        const [{ account_external_id: account }] = await ds().query(`SELECT account_external_id FROM connections WHERE id = $1`, [conn.id]);
        await eventually(() => ds().query(`SELECT 1 FROM mailbox_throttles WHERE mailbox = $1 AND until > now()`, [mailboxKey(provider, account)]), (rs) => rs.length === 1);
        const recordedBy = Date.now();
        // The other calendar of the mailbox, asked for on the other instance: deferred to the same Retry-After, without a request.
        await b.app.services.sync.syncCalendars([second]);
        const deferred = await eventually(() => state(second), (s) => s.stage === 'BACKOFF');
        expect(deferred.next_attempt_at!.getTime() - refused.time).toBeGreaterThanOrEqual(RETRY_AFTER_SECONDS * 1000 - 50);
        // Waiting out a throttle is no error.
        const [shown] = await eventually(() => ds().query(`SELECT sync_state, last_error FROM connections WHERE id = $1`, [conn.id]), (rs) => rs[0].sync_state !== 'SYNCING');
        expect(shown).toEqual({ sync_state: 'IDLE', last_error: null });

        expect(await eventually(() => titles(w.userA, w.locA), (ts) => ts.length === 2, (RETRY_AFTER_SECONDS + 5) * 1000)).toEqual(['In the first calendar', 'In the second calendar']);
        // Nothing at all was asked of the mailbox from when its throttle was recorded until the Retry-After passed.
        const during = requests()
          .slice(before)
          .filter((r) => r.time > recordedBy && r.time < refused.time + RETRY_AFTER_SECONDS * 1000);
        expect(during).toEqual([]);
        await eventually(() => Promise.all([state(first), state(second)]), (ss) => ss.every((s) => s.stage === 'IDLE'));
      }),
    );
    await Promise.all([a.app.whenIdle(), b.app.whenIdle()]);
  }, 30_000);

  test('push set-up waits out a throttled mailbox too, then goes through (not left to polling for a day)', async () => {
    const w = await newTenant(ds());
    const me = emu.microsoft.addAccount({ email: uniqueEmail('pushthrottle', 'contoso-throttle.test'), calendars: ['Second'] });
    const login = me.userPrincipalName;
    const conn = await flow.connected(w.userA, w.locA, 'OUTLOOK', login);
    const def = conn.calendars.find((c) => c.isDefault)!.id;
    const second = conn.calendars.find((c) => c.name === 'Second')!.id;
    const secondExternal = emu.microsoft.state.calendarsOf(me.id).find((c) => c.name === 'Second')!.id;
    outlookEvent(emu, secondExternal, { title: 'In Second', start: hourFromNow(2, 9), end: hourFromNow(2, 10) });
    const requests = () => emu.microsoft.requestLog.list({ account: login });
    const before = requests().length;
    emu.microsoft.faults.add({ kind: 'throttle', retryAfterSeconds: RETRY_AFTER_SECONDS, account: login, route: 'GET /v1.0/me/calendars/*/calendarView/delta', times: 1 });
    await a.app.services.sync.syncCalendars([def]);
    const [refused] = await eventually(() => requests().slice(before), (rs) => rs.some((r) => r.status === 429));

    // Selected while the mailbox is throttled: its subscription and first sync wait for the Retry-After.
    const r = await a.gql(UpdateCalendarConfigurationDocument, { input: { locationId: w.locA, conflictCalendarIds: [def, second] } }, a.tokenFor(w.userA));
    expect(r.errors).toBeUndefined();
    const channelOfSecond = () => ds().query(`SELECT channel_id FROM push_channels WHERE provider_calendar_id = $1`, [second]);
    expect(await eventually(channelOfSecond, (rows) => rows.length === 1, (RETRY_AFTER_SECONDS + 5) * 1000)).toHaveLength(1);
    expect(await eventually(() => titles(w.userA, w.locA), (ts) => ts.length === 1)).toEqual(['In Second']);
    const during = requests()
      .slice(before)
      .filter((q) => q.time !== refused.time && q.time < refused.time + RETRY_AFTER_SECONDS * 1000);
    expect(during).toEqual([]);
    const [channel] = await channelOfSecond();
    expect(emu.microsoft.state.subscriptions.get(channel.channel_id)?.calendarId).toBe(secondExternal);
    await Promise.all([a.app.whenIdle(), b.app.whenIdle()]);
  }, 30_000);

  test('at most 4 requests in flight per mailbox across two instances', async () => {
    const w = await newTenant(ds());
    const me = emu.microsoft.addAccount({ email: uniqueEmail('slots', 'contoso-slots.test'), calendars: ['C2', 'C3', 'C4', 'C5', 'C6', 'C7', 'C8'] });
    const conn = await flow.connected(w.userA, w.locA, 'OUTLOOK', me.userPrincipalName);
    const ids = conn.calendars.map((c) => c.id);
    expect(ids).toHaveLength(8);
    const r = await a.gql(UpdateCalendarConfigurationDocument, { input: { locationId: w.locA, conflictCalendarIds: ids } }, a.tokenFor(w.userA));
    expect(r.errors).toBeUndefined();
    await Promise.all([a.app.whenIdle(), b.app.whenIdle()]);
    for (const cal of emu.microsoft.state.calendarsOf(me.id)) outlookEvent(emu, cal.id, { title: `In ${cal.name}`, start: hourFromNow(1, 9), end: hourFromNow(1, 10) });

    // Every read takes a while, so the eight syncs (four workers on each instance) would overlap.
    emu.microsoft.faults.add({ kind: 'delay', ms: 150, account: me.userPrincipalName, route: 'GET /v1.0/me/calendars/*/calendarView/delta' });
    const ran = new Set<string>();
    for (const [name, t] of [['a', a], ['b', b]] as const) t.app.services.syncServices.calendarSync.hooks.started = () => void ran.add(name);
    const since = performance.timeOrigin + performance.now();
    await Promise.all([a.app.services.sync.syncCalendars(ids.slice(0, 4), { full: true }), b.app.services.sync.syncCalendars(ids.slice(4), { full: true })]);
    await Promise.all([a.app.whenIdle(), b.app.whenIdle()]);

    const reads = emu.microsoft.requestLog.list({ method: 'GET', path: /calendarView\/delta$/, account: me.userPrincipalName }).filter((q) => q.time >= since);
    expect(reads.length).toBeGreaterThanOrEqual(8);
    // Most requests in flight at once, from their arrival and duration at the emulator.
    const edges = reads.flatMap((q) => [{ at: q.time, d: 1 }, { at: q.time + q.durationMs, d: -1 }]).sort((x, y) => x.at - y.at || x.d - y.d);
    let inFlight = 0;
    let most = 0;
    for (const e of edges) most = Math.max(most, (inFlight += e.d));
    expect(most).toBeLessThanOrEqual(4);
    expect(most).toBeGreaterThanOrEqual(2);
    expect(ran).toEqual(new Set(['a', 'b']));
    expect(await titles(w.userA, w.locA)).toHaveLength(8);
  });
});
