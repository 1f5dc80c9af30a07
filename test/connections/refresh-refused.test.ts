import type { Client } from 'graphql-ws';
import { ConnectionsDocument, Provider, ResyncConnectionDocument, SyncStatusChangedDocument } from '../generated/graphql';
import { ConnectFlow, Emulators, newTenant, startEmulators, uniqueEmail } from '../support/connect-flow';
import { codeOf, startTestApp, TestApp } from '../support/test-app';
import { nextWhere, subscribe, untilLive, wsClient } from '../support/ws-client';

// Whatever stops a refresh that only the user can fix — msal finding no refresh token in its cache, the token
// endpoint refusing the client — is CONNECTION_NEEDS_REAUTH with the reconnect message and a sync-status event,
// never INTERNAL_SERVER_ERROR with the connection still showing ACTIVE.

describe('a refresh that cannot succeed', () => {
  let t: TestApp;
  let emu: Emulators;
  let flow: ConnectFlow;
  const clients: Client[] = [];
  const ds = () => t.app.ds;

  beforeAll(async () => {
    emu = await startEmulators();
    t = await startTestApp(emu.env);
    flow = new ConnectFlow(t, emu);
  });
  afterEach(async () => {
    emu.microsoft.faults.clear();
    emu.google.faults.clear();
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
  });
  afterAll(async () => {
    await t?.stop();
    await emu?.close();
  });

  const resync = (viewer: string, connectionId: string) => t.gql(ResyncConnectionDocument, { connectionId }, t.tokenFor(viewer));

  /** The connection's stored tokens, rewritten (as a lost or foreign token cache would leave them). */
  async function rewriteTokens(connectionId: string, edit: (driverState: Record<string, unknown>) => void): Promise<void> {
    const [{ credentials }] = await ds().query(`SELECT credentials FROM connections WHERE id = $1`, [connectionId]);
    const tokens = t.app.services.tokens.open(connectionId, credentials);
    const cache = JSON.parse(tokens.driverState!) as Record<string, unknown>;
    edit(cache);
    await ds().query(`UPDATE connections SET credentials = $2 WHERE id = $1`, [connectionId, t.app.services.tokens.seal(connectionId, { ...tokens, refreshToken: null, driverState: JSON.stringify(cache) })]);
  }

  const cases: Array<[string, Provider, (connectionId: string, account: string) => Promise<void>]> = [
    [
      'OUTLOOK: msal finds no refresh token in its cache (and none is stored)',
      'OUTLOOK',
      async (connectionId, account) => {
        await rewriteTokens(connectionId, (cache) => (cache.RefreshToken = {}));
        emu.microsoft.state.expireAccessTokens(account);
      },
    ],
    [
      'GOOGLE: the token endpoint refuses with 401',
      'GOOGLE',
      async (_connectionId, account) => {
        emu.google.faults.add({ fault: { type: 'unauthorized' }, route: '/token', method: 'POST', account, times: Infinity });
        emu.google.state.expireAccessTokens(account);
      },
    ],
  ];

  test.each(cases)('%s → NEEDS_REAUTH with its message and event', async (_name, provider, breakRefresh) => {
    const w = await newTenant(ds());
    const account =
      provider === 'OUTLOOK'
        ? emu.microsoft.addAccount({ email: uniqueEmail('miss', 'contoso-miss.test') }).userPrincipalName
        : emu.google.addAccount({ email: uniqueEmail('refused', 'gmail.test') }).email;
    const conn = await flow.connected(w.userA, w.locA, provider, account);
    const client = wsClient(t.wsUrl, t.tokenFor(w.userA));
    clients.push(client);
    const owner = subscribe(client, SyncStatusChangedDocument, { locationId: w.locA });
    await untilLive(owner, () => resync(w.userA, conn.id));
    await t.app.whenIdle();

    // The resync's jobs meet the refusal; the mutation itself asks the provider nothing.
    await breakRefresh(conn.id, account);
    expect((await resync(w.userA, conn.id)).errors).toBeUndefined();
    await t.app.whenIdle();
    const refused = await resync(w.userA, conn.id);
    expect(codeOf(refused)).toBe('CONNECTION_NEEDS_REAUTH');
    expect(refused.errors![0].message).toMatch(/Reconnect the account to resume syncing/);

    const event = await nextWhere(owner, (e) => e.data?.syncStatusChanged.connection.status === 'NEEDS_REAUTH');
    expect(event.errors).toBeUndefined();
    expect(event.data!.syncStatusChanged.connection).toMatchObject({ id: conn.id, status: 'NEEDS_REAUTH', lastError: expect.stringMatching(/Reconnect the account/) });
    const listed = (await t.gql(ConnectionsDocument, { locationId: w.locA }, t.tokenFor(w.userA))).data!.connections;
    expect(listed).toEqual([expect.objectContaining({ id: conn.id, status: 'NEEDS_REAUTH' })]);

    // Reconnecting the same account is the way back.
    emu.google.faults.clear();
    expect(await flow.connected(w.userA, w.locA, provider, account)).toMatchObject({ id: conn.id, status: 'ACTIVE', lastError: null });
  });
});
