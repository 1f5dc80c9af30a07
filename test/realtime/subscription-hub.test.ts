import { ConflictsPayload } from '../../src/realtime/pubsub';
import { ViewerCache } from '../../src/realtime/viewer-cache';
import { ConflictsChangedDocument, SyncStatusChangedDocument } from '../generated/graphql';
import { eventually } from '../support/eventually';
import { insertAgency, insertLocation, insertUser } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';
import { subscribe, untilLive, wsClient } from '../support/ws-client';

// The fan-out of one instance: one bus listener per topic and location whatever the number of subscribers, and each
// event re-authorized for all of its subscribers in one read of their users.
describe('subscription hub', () => {
  let t: TestApp;

  beforeAll(async () => {
    // No access cache: every event reads its users again.
    t = await startTestApp({ REALTIME_ACCESS_TTL_MS: '0', REALTIME_SOCKET_RECHECK_MS: '300000' });
  });
  afterAll(() => t.stop());

  const hub = () => t.app.services.realtime.hub;

  async function location(users: number) {
    const agencyId = await insertAgency(t.app.ds);
    const locationId = await insertLocation(t.app.ds, agencyId);
    const userIds: string[] = [];
    for (let i = 0; i < users; i++) userIds.push(await insertUser(t.app.ds, agencyId, 'ACCOUNT', 'USER', [locationId]));
    return { locationId, userIds };
  }
  let day = 0;
  const conflicts = (locationId: string, userId: string): ConflictsPayload => {
    const d = new Date(Date.UTC(2031, 0, 1 + day++));
    return { locationId, userId, from: d.toISOString(), to: new Date(d.getTime() + 3600_000).toISOString() };
  };

  test('listens once per topic and location; the last subscriber leaving stops the listener', async () => {
    const { locationId, userIds } = await location(3);
    const before = hub().stats;
    const clients = userIds.map((id) => wsClient(t.wsUrl, t.tokenFor(id)));
    try {
      const subs = clients.map((c) => subscribe(c, ConflictsChangedDocument, { locationId }));
      const statusSubs = clients.map((c) => subscribe(c, SyncStatusChangedDocument, { locationId }));
      const event = conflicts(locationId, userIds[0]);
      const publish = async () => {
        t.app.services.pubsub.publish('conflicts', locationId, event);
        await t.app.ds.query('SELECT 1');
      };
      for (const sub of subs) expect((await untilLive(sub, publish)).data?.conflictsChanged.from).toBe(event.from);
      expect(statusSubs).toHaveLength(3);
      await eventually(() => hub().stats.subscriptions, (n) => n === before.subscriptions + 6);
      // Six subscriptions, two listeners: conflicts and syncStatus of this location.
      expect(hub().stats.listeners).toBe(before.listeners + 2);
    } finally {
      await Promise.all(clients.map((c) => c.dispose()));
    }
    await eventually(() => hub().stats, (s) => s.subscriptions === before.subscriptions && s.listeners === before.listeners);
  });

  test('the viewer cache reads every user not fresh in one query, and those fresh not at all', async () => {
    const { userIds } = await location(3);
    let now = 5_000_000;
    const cache = new ViewerCache(t.app.ds, 3000, () => now);
    t.sql.reset();
    const first = await cache.getMany(userIds.slice(0, 2));
    expect(t.sql.count).toBe(1);
    await t.app.ds.query(`UPDATE users SET active = false WHERE id = $1`, [userIds[2]]);
    t.sql.reset();
    now += 1000;
    const second = await cache.getMany(userIds);
    expect(t.sql.count).toBe(1); // the third user only
    expect(second.get(userIds[0])).toBe(first.get(userIds[0]));
    expect(second.get(userIds[2])).toBeNull();
    expect(await cache.getMany([])).toEqual(new Map());
    expect(t.sql.count).toBe(1);
  });

  test('an event is checked for all of its subscribers in one read of their users', async () => {
    const { locationId, userIds } = await location(5);
    const clients = userIds.map((id) => wsClient(t.wsUrl, t.tokenFor(id)));
    try {
      const subs = clients.map((c) => subscribe(c, ConflictsChangedDocument, { locationId }));
      const warm = conflicts(locationId, userIds[0]);
      const publishWarm = async () => {
        t.app.services.pubsub.publish('conflicts', locationId, warm);
        await t.app.ds.query('SELECT 1');
      };
      for (const sub of subs) await untilLive(sub, publishWarm);
      // Each subscriber has `payload` (events of one location are checked and sent in the order they came).
      const delivered = (payload: ConflictsPayload) => {
        const all = subs.map(async (sub) => {
          for (;;) if ((await sub.next()).data?.conflictsChanged.from === payload.from) return;
        });
        t.app.services.pubsub.publish('conflicts', locationId, payload);
        return Promise.all(all);
      };
      // Once this one is through, so are the warm-up's repeats: the next is counted alone.
      await delivered(conflicts(locationId, userIds[0]));
      t.sql.reset();
      await delivered(conflicts(locationId, userIds[1]));
      expect(t.sql.count).toBe(1);
    } finally {
      await Promise.all(clients.map((c) => c.dispose()));
    }
  });
});
