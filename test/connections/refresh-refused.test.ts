import { ConnectionsDocument, Provider, ResyncConnectionDocument, SyncStatusChangedDocument } from '../generated/graphql';
import { newTenant, uniqueEmail } from '../support/connect-flow';
import { useEmulatedService } from '../support/emulated-service';
import { codeOf } from '../support/test-app';
import { nextWhere, subscribe, untilLive, wsClient } from '../support/ws-client';

// Whatever stops a refresh that only the user can fix — msal finding no refresh token in its cache, the token
// endpoint refusing the client — is CONNECTION_NEEDS_REAUTH with the reconnect message and a sync-status event,
// never INTERNAL_SERVER_ERROR with the connection still showing ACTIVE.

describe('a refresh that cannot succeed', () => {
  const s = useEmulatedService();

  const resync = (viewer: string, connectionId: string) => s.t.gql(ResyncConnectionDocument, { connectionId }, s.t.tokenFor(viewer));

  /** The connection's stored tokens, rewritten (as a lost or foreign token cache would leave them). */
  async function rewriteTokens(connectionId: string, edit: (driverState: Record<string, unknown>) => void): Promise<void> {
    const [{ credentials }] = await s.ds().query(`SELECT credentials FROM connections WHERE id = $1`, [connectionId]);
    const tokens = s.t.app.services.tokens.open(connectionId, credentials);
    const cache = JSON.parse(tokens.driverState!) as Record<string, unknown>;
    edit(cache);
    await s.ds().query(`UPDATE connections SET credentials = $2 WHERE id = $1`, [connectionId, s.t.app.services.tokens.seal(connectionId, { ...tokens, refreshToken: null, driverState: JSON.stringify(cache) })]);
  }

  const cases: Array<[string, Provider, (connectionId: string, account: string) => Promise<void>]> = [
    [
      'OUTLOOK: msal finds no refresh token in its cache (and none is stored)',
      'OUTLOOK',
      async (connectionId, account) => {
        await rewriteTokens(connectionId, (cache) => (cache.RefreshToken = {}));
        s.emu.microsoft.state.expireAccessTokens(account);
      },
    ],
    [
      'GOOGLE: the token endpoint refuses with 401',
      'GOOGLE',
      async (_connectionId, account) => {
        s.emu.google.faults.add({ fault: { type: 'unauthorized' }, route: '/token', method: 'POST', account, times: Infinity });
        s.emu.google.state.expireAccessTokens(account);
      },
    ],
  ];

  test.each(cases)('%s → NEEDS_REAUTH with its message and event', async (_name, provider, breakRefresh) => {
    const w = await newTenant(s.ds());
    const account =
      provider === 'OUTLOOK'
        ? s.emu.microsoft.addAccount({ email: uniqueEmail('miss', 'contoso-miss.test') }).userPrincipalName
        : s.emu.google.addAccount({ email: uniqueEmail('refused', 'gmail.test') }).email;
    const conn = await s.flow.connected(w.userA, w.locA, provider, account);
    const client = wsClient(s.t.wsUrl, s.t.tokenFor(w.userA));
    s.clients.push(client);
    const owner = subscribe(client, SyncStatusChangedDocument, { locationId: w.locA });
    await untilLive(owner, () => resync(w.userA, conn.id));
    await s.t.app.whenIdle();

    // The resync's jobs meet the refusal; the mutation itself asks the provider nothing.
    await breakRefresh(conn.id, account);
    expect((await resync(w.userA, conn.id)).errors).toBeUndefined();
    await s.t.app.whenIdle();
    const refused = await resync(w.userA, conn.id);
    expect(codeOf(refused)).toBe('CONNECTION_NEEDS_REAUTH');
    expect(refused.errors![0].message).toMatch(/Reconnect the account to resume syncing/);

    const event = await nextWhere(owner, (e) => e.data?.syncStatusChanged.connection.status === 'NEEDS_REAUTH');
    expect(event.errors).toBeUndefined();
    expect(event.data!.syncStatusChanged.connection).toMatchObject({ id: conn.id, status: 'NEEDS_REAUTH', lastError: expect.stringMatching(/Reconnect the account/) });
    const listed = (await s.t.gql(ConnectionsDocument, { locationId: w.locA }, s.t.tokenFor(w.userA))).data!.connections;
    expect(listed).toEqual([expect.objectContaining({ id: conn.id, status: 'NEEDS_REAUTH' })]);

    // Reconnecting the same account is the way back.
    s.emu.google.faults.clear();
    expect(await s.flow.connected(w.userA, w.locA, provider, account)).toMatchObject({ id: conn.id, status: 'ACTIVE', lastError: null });
  });
});
