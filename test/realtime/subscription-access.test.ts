import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { signUserToken } from '../../src/app/auth/jwt';
import { ConflictsPayload, SyncStatusPayload } from '../../src/realtime/pubsub';
import { ViewerCache } from '../../src/realtime/viewer-cache';
import {
  AddLocationMemberDocument,
  ConflictsChangedDocument,
  DeactivateUserDocument,
  RemoveLocationMemberDocument,
  SyncStatusChangedDocument,
} from '../generated/graphql';
import { buildWorld, insertUser, World } from '../support/fixtures';
import { GqlResult, startTestApp, TEST_JWT_SECRET, TestApp } from '../support/test-app';
import { closeOf, nextWhere, subscribe, untilLive, wsClient } from '../support/ws-client';

// Subscriptions stay authorized for their whole life: every event is checked against the subscriber
// as they are now, and sockets close when their user is deactivated (4403) or their token expires (4401).
describe('subscriptions stay authorized', () => {
  let t: TestApp;
  let w: World;

  beforeAll(async () => {
    // No access cache (the cache has its own test below), and no periodic re-check: a socket closed
    // on deactivation here was closed by the userRevoked event.
    t = await startTestApp({ REALTIME_ACCESS_TTL_MS: '0', REALTIME_SOCKET_RECHECK_MS: '300000' });
    w = await buildWorld(t.app.ds);
  });
  afterAll(() => t.stop());

  // Events carry a tag so a test can tell them apart: the account email, or the day of `from`.
  const TAG_DAYS: Record<string, string> = { warm: '2030-01-01', removed: '2030-01-02', back: '2030-01-03', after: '2030-01-04' };
  const statusEvent = (app: TestApp, locationId: string, userId: string, tag: string) => {
    const id = randomUUID();
    const payload: SyncStatusPayload = {
      locationId,
      userId,
      connectionId: id,
      at: new Date().toISOString(),
      connection: { id, provider: 'GOOGLE', accountEmail: `${tag}@example.test`, userId, locationId, status: 'ACTIVE', syncState: 'IDLE', lastSyncedAt: null, lastError: null },
    };
    app.app.services.pubsub.publish('syncStatus', locationId, payload);
  };
  const conflictsEvent = (app: TestApp, locationId: string, userId: string, tag: string) => {
    const payload: ConflictsPayload = { locationId, userId, from: `${TAG_DAYS[tag]}T09:00:00.000Z`, to: `${TAG_DAYS[tag]}T10:00:00.000Z` };
    app.app.services.pubsub.publish('conflicts', locationId, payload);
  };
  type AnySubscription = { next(): Promise<GqlResult<Record<string, unknown>>> };
  const tagOf = (e: GqlResult<Record<string, unknown>>): string | undefined => {
    const status = (e.data?.syncStatusChanged as { connection: { accountEmail: string } } | undefined)?.connection.accountEmail.split('@')[0];
    const conflicts = (e.data?.conflictsChanged as { from: string } | undefined)?.from.slice(0, 10);
    return status ?? Object.keys(TAG_DAYS).find((tag) => TAG_DAYS[tag] === conflicts);
  };
  // A deadline, not a pause: a socket that never closes fails the test and still lets `finally` clean up.
  const within = <T>(ms: number, promise: Promise<T>) => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms)));
    return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
  };
  // graphql-ws does not acknowledge a subscription: publish (paced by a database round trip) until it delivers.
  const repeatedly = (publish: () => void) => async () => {
    publish();
    await t.app.ds.query('SELECT 1');
  };

  it('reads a subscriber once per TTL for all of their subscriptions, and sees changes after it', async () => {
    let now = 1_000_000;
    const cache = new ViewerCache(t.app.ds, 3000, () => now);
    const user = await insertUser(t.app.ds, w.agencyId, 'ACCOUNT', 'USER', [w.locA]);
    t.sql.reset();
    const [a, b] = await Promise.all([cache.get(user), cache.get(user)]);
    expect(a).toBe(b);
    expect(t.sql.count).toBe(1);
    await t.app.ds.query(`UPDATE users SET active = false WHERE id = $1`, [user]);
    t.sql.reset();
    now += 2999;
    expect(await cache.get(user)).not.toBeNull();
    expect(t.sql.count).toBe(0);
    now += 1;
    expect(await cache.get(user)).toBeNull();
    expect(t.sql.count).toBe(1);
  });

  it('stops sending a location’s events to a member removed from it, while its admin keeps receiving them', async () => {
    const member = await insertUser(t.app.ds, w.agencyId, 'ACCOUNT', 'USER', [w.locA]);
    const memberWs = wsClient(t.wsUrl, t.tokenFor(member));
    const adminWs = wsClient(t.wsUrl, t.tokenFor(w.accountAdminA));
    const memberStatus = subscribe(memberWs, SyncStatusChangedDocument, { locationId: w.locA });
    const memberConflicts = subscribe(memberWs, ConflictsChangedDocument, { locationId: w.locA, userId: member });
    const adminStatus = subscribe(adminWs, SyncStatusChangedDocument, { locationId: w.locA });
    const adminConflicts = subscribe(adminWs, ConflictsChangedDocument, { locationId: w.locA });
    const publishBoth = (tag: string) =>
      repeatedly(() => {
        statusEvent(t, w.locA, member, tag);
        conflictsEvent(t, w.locA, member, tag);
      });
    try {
      for (const sub of [memberStatus, memberConflicts, adminStatus, adminConflicts] as AnySubscription[]) await untilLive(sub, publishBoth('warm'));

      const removed = await t.gql(RemoveLocationMemberDocument, { locationId: w.locA, userId: member }, t.tokenFor(w.accountAdminA));
      expect(removed.errors).toBeUndefined();
      await publishBoth('removed')();
      // The events were published and deliverable: the admin gets both (the member's account email included).
      expect(tagOf(await nextWhere(adminStatus, (e) => tagOf(e) === 'removed'))).toBe('removed');
      expect(tagOf(await nextWhere(adminConflicts, (e) => tagOf(e) === 'removed'))).toBe('removed');

      // Back in the location, the member receives events again, and the first one is not the one they
      // were not allowed to see: it was withheld, not delayed.
      expect((await t.gql(AddLocationMemberDocument, { locationId: w.locA, userId: member }, t.tokenFor(w.agencyAdmin))).errors).toBeUndefined();
      for (const sub of [memberStatus, memberConflicts] as AnySubscription[]) {
        const afterWarmUp = { next: () => nextWhere(sub, (e) => tagOf(e) !== 'warm') };
        const first = await untilLive(afterWarmUp, publishBoth('back'));
        expect(first.errors).toBeUndefined();
        expect(tagOf(first)).toBe('back');
      }
    } finally {
      await memberWs.dispose();
      await adminWs.dispose();
    }
  });

  it('closes a deactivated user’s socket with 4403 within seconds; the admin’s subscription goes on', async () => {
    const member = await insertUser(t.app.ds, w.agencyId, 'ACCOUNT', 'USER', [w.locA]);
    const memberWs = wsClient(t.wsUrl, t.tokenFor(member));
    const closed = closeOf(memberWs);
    const adminWs = wsClient(t.wsUrl, t.tokenFor(w.accountAdminA));
    const memberStatus = subscribe(memberWs, SyncStatusChangedDocument, { locationId: w.locA });
    const adminStatus = subscribe(adminWs, SyncStatusChangedDocument, { locationId: w.locA });
    try {
      for (const sub of [memberStatus, adminStatus]) await untilLive(sub, repeatedly(() => statusEvent(t, w.locA, member, 'warm')));

      const started = Date.now();
      const deactivated = await t.gql(DeactivateUserDocument, { userId: member }, t.tokenFor(w.agencyAdmin));
      expect(deactivated.data?.deactivateUser.active).toBe(false);
      expect((await within(5000, closed)).code).toBe(4403);
      expect(Date.now() - started).toBeLessThan(2000);

      statusEvent(t, w.locA, member, 'after');
      expect(tagOf(await nextWhere(adminStatus, (e) => tagOf(e) === 'after'))).toBe('after');
    } finally {
      await memberWs.dispose();
      await adminWs.dispose();
    }
  });

  it('closes the socket of a user deactivated where no event reached this instance, at the periodic re-check', async () => {
    // A second instance on the same database with its own in-process bus: it never hears userRevoked.
    const other = await startTestApp({ REALTIME_SOCKET_RECHECK_MS: '100' }, t.app.config.DATABASE_URL);
    const member = await insertUser(t.app.ds, w.agencyId, 'ACCOUNT', 'USER', [w.locA]);
    const memberWs = wsClient(other.wsUrl, other.tokenFor(member));
    const closed = closeOf(memberWs);
    const memberStatus = subscribe(memberWs, SyncStatusChangedDocument, { locationId: w.locA });
    try {
      await untilLive(memberStatus, repeatedly(() => statusEvent(other, w.locA, member, 'warm')));
      const started = Date.now();
      expect((await t.gql(DeactivateUserDocument, { userId: member }, t.tokenFor(w.agencyAdmin))).errors).toBeUndefined();
      expect((await within(5000, closed)).code).toBe(4403);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await memberWs.dispose();
      await other.stop();
    }
  });

  // Needs a Redis (TEST_REDIS_URL, e.g. redis://127.0.0.1:6379); without one there is no shared bus to test.
  (process.env.TEST_REDIS_URL ? it : it.skip)('closes the socket on another instance through the shared bus (Redis)', async () => {
    const env = { REDIS_URL: process.env.TEST_REDIS_URL!, REALTIME_SOCKET_RECHECK_MS: '300000' };
    const a = await startTestApp(env, t.app.config.DATABASE_URL);
    const b = await startTestApp(env, t.app.config.DATABASE_URL);
    const member = await insertUser(t.app.ds, w.agencyId, 'ACCOUNT', 'USER', [w.locA]);
    const memberWs = wsClient(b.wsUrl, b.tokenFor(member));
    const closed = closeOf(memberWs);
    const memberStatus = subscribe(memberWs, SyncStatusChangedDocument, { locationId: w.locA });
    try {
      // Published on A, delivered on B: the bus is shared.
      await untilLive(memberStatus, repeatedly(() => statusEvent(a, w.locA, member, 'warm')));
      const started = Date.now();
      expect((await a.gql(DeactivateUserDocument, { userId: member }, a.tokenFor(w.agencyAdmin))).errors).toBeUndefined();
      expect((await within(5000, closed)).code).toBe(4403);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await memberWs.dispose();
      await a.stop();
      await b.stop();
    }
  });

  it('closes a socket with 4401 when its token expires; a socket with a long-lived token keeps receiving', async () => {
    const member = await insertUser(t.app.ds, w.agencyId, 'ACCOUNT', 'USER', [w.locA]);
    const shortToken = signUserToken(TEST_JWT_SECRET, member, 3);
    const expiresAt = (jwt.decode(shortToken) as { exp: number }).exp * 1000;
    const memberWs = wsClient(t.wsUrl, shortToken);
    const closed = closeOf(memberWs);
    // The admin's token lives 30 days: longer than one timer can wait, so it must not fire early.
    const adminWs = wsClient(t.wsUrl, t.tokenFor(w.accountAdminA));
    const memberStatus = subscribe(memberWs, SyncStatusChangedDocument, { locationId: w.locA });
    const adminStatus = subscribe(adminWs, SyncStatusChangedDocument, { locationId: w.locA });
    try {
      for (const sub of [memberStatus, adminStatus]) await untilLive(sub, repeatedly(() => statusEvent(t, w.locA, member, 'warm')));
      expect(Date.now()).toBeLessThan(expiresAt);

      const { code } = await within(8000, closed);
      const closedAt = Date.now();
      expect(code).toBe(4401);
      expect(closedAt).toBeGreaterThanOrEqual(expiresAt - 50);
      expect(closedAt).toBeLessThan(expiresAt + 1000);

      statusEvent(t, w.locA, member, 'after');
      expect(tagOf(await nextWhere(adminStatus, (e) => tagOf(e) === 'after'))).toBe('after');
    } finally {
      await memberWs.dispose();
      await adminWs.dispose();
    }
  });
});
