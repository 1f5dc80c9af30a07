import { closeDataSource } from '../../src/app/database/data-source';
import { ConflictsChangedDocument, ViewerDocument } from '../generated/graphql';
import { buildWorld } from '../support/fixtures';
import { startTestApp } from '../support/test-app';
import { createTestDataSource } from '../support/test-database';
import { subscribe, untilLive, wsClient } from '../support/ws-client';

// What is closed is closed when the promise resolves: nothing keeps a process (or a jest worker)
// alive afterwards. This file opens nothing else, so every TCP handle below is ours.
const tcp = () => process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP'));

describe('closing', () => {
  it('closeDataSource resolves once every database connection is closed', async () => {
    const ds = await createTestDataSource();
    await Promise.all([1, 2, 3, 4].map(() => ds.query('SELECT pg_sleep(0.02)')));
    expect(tcp().length).toBeGreaterThanOrEqual(4);
    await closeDataSource(ds);
    // pg's pool.end() alone resolves while the sockets are still closing.
    expect(tcp()).toEqual([]);
  });

  it('stopping the app closes its HTTP server, its WebSockets and its database connections', async () => {
    const t = await startTestApp();
    const w = await buildWorld(t.app.ds);
    expect((await t.gql(ViewerDocument, {}, t.tokenFor(w.accountUserA))).errors).toBeUndefined();
    const client = wsClient(t.wsUrl, t.tokenFor(w.accountUserA));
    const sub = subscribe(client, ConflictsChangedDocument, { locationId: w.locA });
    const closedByServer = new Promise<number>((resolve) => client.on('closed', (e) => resolve((e as { code: number }).code)));
    // Live (its first event delivered) before the stop, so no subscribe is still being handled.
    const at = new Date().toISOString();
    await untilLive(sub, async () => {
      t.app.services.pubsub.publish('conflicts', w.locA, { locationId: w.locA, userId: w.accountUserA, from: at, to: at });
      await t.gql(ViewerDocument, {}, t.tokenFor(w.accountUserA)); // a round trip between attempts
    });
    await t.stop();
    expect(await closedByServer).toBe(1001);
    expect(tcp()).toEqual([]);
    sub.dispose();
    await client.dispose();
  });
});
