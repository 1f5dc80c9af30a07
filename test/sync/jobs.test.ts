import { ResyncConnectionDocument, UpdateCalendarConfigurationDocument } from '../generated/graphql';
import { JOB_SCHEMA } from '../../src/sync/jobs/job-queue';
import { PUSH_RECONCILE } from '../../src/sync/jobs/queues';
import { newTenant, scalar, uniqueEmail } from '../support/connect-flow';
import { useEmulatedService } from '../support/emulated-service';

// Provider work runs in jobs (pg-boss on the service's own database): a mutation commits its rows and
// enqueues, and returns without waiting on the provider; a burst of requests for one thing coalesces.

describe('jobs', () => {
  const s = useEmulatedService();

  test('resyncConnection and updateCalendarConfiguration return while the provider is slow; the jobs finish the work afterwards', async () => {
    const w = await newTenant(s.ds());
    const me = s.emu.microsoft.addAccount({ email: uniqueEmail('slow', 'contoso-slow.test'), calendars: ['Team'] });
    const conn = await s.flow.connected(w.userA, w.locA, 'OUTLOOK', me.userPrincipalName);
    const team = conn.calendars.find((c) => c.name === 'Team')!.id;
    // Every Graph call now takes 1.5 s.
    s.emu.microsoft.addFault({ kind: 'delay', ms: 1500, account: me.id });
    s.emu.microsoft.state.addCalendar(me.id, 'Brand new');

    let started = Date.now();
    const r = await s.t.gql(ResyncConnectionDocument, { connectionId: conn.id }, s.t.tokenFor(w.userA));
    expect(r.errors).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1000);
    started = Date.now();
    const u = await s.t.gql(UpdateCalendarConfigurationDocument, { input: { locationId: w.locA, conflictCalendarIds: [team] } }, s.t.tokenFor(w.userA));
    expect(u.errors).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1000);

    await s.t.app.whenIdle();
    expect((await s.ds().query(`SELECT name FROM provider_calendars WHERE connection_id = $1 ORDER BY name`, [conn.id])).map((c: { name: string }) => c.name)).toEqual(['Brand new', 'Calendar', 'Team']);
    const subscribed = [...s.emu.microsoft.state.subscriptions.values()].filter((sub) => sub.accountId === me.id).map((sub) => s.emu.microsoft.state.calendars.get(sub.calendarId!)!.name);
    expect(subscribed).toEqual(['Team']);
  });

  test('a burst of 50 requests for one connection leaves at most two jobs (the running one and one waiting)', async () => {
    const w = await newTenant(s.ds());
    const me = s.emu.google.addAccount({ email: uniqueEmail('burst', 'gmail.test') });
    const conn = await s.flow.connected(w.userA, w.locA, 'GOOGLE', me.email);
    // The provider answers slowly, so the first job is still running while the burst arrives.
    s.emu.google.faults.add({ fault: { type: 'delay', ms: 500 }, account: me.email, times: Infinity });
    const before = await scalar(s.ds(), `SELECT count(*) FROM ${JOB_SCHEMA}.job WHERE name = $1 AND data->>'connectionId' = $2`, [PUSH_RECONCILE.name, conn.id]);
    await Promise.all(Array.from({ length: 50 }, () => s.t.app.services.sync.reconcilePush(conn.id, { restart: true })));
    const added = (await scalar(s.ds(), `SELECT count(*) FROM ${JOB_SCHEMA}.job WHERE name = $1 AND data->>'connectionId' = $2`, [PUSH_RECONCILE.name, conn.id])) - before;
    expect(added).toBeGreaterThanOrEqual(1);
    expect(added).toBeLessThanOrEqual(2);
    await s.t.app.whenIdle();
  });
});
