import { ResyncConnectionDocument, UpdateCalendarConfigurationDocument } from '../generated/graphql';
import { JOB_SCHEMA } from '../../src/sync/jobs/job-queue';
import { PUSH_RECONCILE } from '../../src/sync/jobs/queues';
import { ConnectFlow, Emulators, newTenant, scalar, startEmulators, uniqueEmail } from '../support/connect-flow';
import { startTestApp, TestApp } from '../support/test-app';

// Provider work runs in jobs (pg-boss on the service's own database): a mutation commits its rows and
// enqueues, and returns without waiting on the provider; a burst of requests for one thing coalesces.

describe('jobs', () => {
  let t: TestApp;
  let emu: Emulators;
  let flow: ConnectFlow;
  const ds = () => t.app.ds;

  beforeAll(async () => {
    emu = await startEmulators();
    t = await startTestApp(emu.env);
    flow = new ConnectFlow(t, emu);
  });
  afterEach(() => {
    emu.microsoft.faults.clear();
    emu.google.faults.clear();
  });
  afterAll(async () => {
    await t?.stop();
    await emu?.close();
  });

  test('resyncConnection and updateCalendarConfiguration return while the provider is slow; the jobs finish the work afterwards', async () => {
    const w = await newTenant(ds());
    const me = emu.microsoft.addAccount({ email: uniqueEmail('slow', 'contoso-slow.test'), calendars: ['Team'] });
    const conn = await flow.connected(w.userA, w.locA, 'OUTLOOK', me.userPrincipalName);
    const team = conn.calendars.find((c) => c.name === 'Team')!.id;
    // Every Graph call now takes 1.5 s.
    emu.microsoft.addFault({ kind: 'delay', ms: 1500, account: me.id });
    emu.microsoft.state.addCalendar(me.id, 'Brand new');

    let started = Date.now();
    const r = await t.gql(ResyncConnectionDocument, { connectionId: conn.id }, t.tokenFor(w.userA));
    expect(r.errors).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1000);
    started = Date.now();
    const u = await t.gql(UpdateCalendarConfigurationDocument, { input: { locationId: w.locA, conflictCalendarIds: [team] } }, t.tokenFor(w.userA));
    expect(u.errors).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1000);

    await t.app.whenIdle();
    expect((await ds().query(`SELECT name FROM provider_calendars WHERE connection_id = $1 ORDER BY name`, [conn.id])).map((c: { name: string }) => c.name)).toEqual(['Brand new', 'Calendar', 'Team']);
    const subscribed = [...emu.microsoft.state.subscriptions.values()].filter((s) => s.accountId === me.id).map((s) => emu.microsoft.state.calendars.get(s.calendarId!)!.name);
    expect(subscribed).toEqual(['Team']);
  });

  test('a burst of 50 requests for one connection leaves at most two jobs (the running one and one waiting)', async () => {
    const w = await newTenant(ds());
    const me = emu.google.addAccount({ email: uniqueEmail('burst', 'gmail.test') });
    const conn = await flow.connected(w.userA, w.locA, 'GOOGLE', me.email);
    // The provider answers slowly, so the first job is still running while the burst arrives.
    emu.google.faults.add({ fault: { type: 'delay', ms: 500 }, account: me.email, times: Infinity });
    const before = await scalar(ds(), `SELECT count(*) FROM ${JOB_SCHEMA}.job WHERE name = $1 AND data->>'connectionId' = $2`, [PUSH_RECONCILE.name, conn.id]);
    await Promise.all(Array.from({ length: 50 }, () => t.app.services.sync.reconcilePush(conn.id, { restart: true })));
    const added = (await scalar(ds(), `SELECT count(*) FROM ${JOB_SCHEMA}.job WHERE name = $1 AND data->>'connectionId' = $2`, [PUSH_RECONCILE.name, conn.id])) - before;
    expect(added).toBeGreaterThanOrEqual(1);
    expect(added).toBeLessThanOrEqual(2);
    await t.app.whenIdle();
  });
});
