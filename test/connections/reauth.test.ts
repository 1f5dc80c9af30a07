import {
  CalendarConfigurationDocument,
  ConnectionsDocument,
  Provider,
  ResyncConnectionDocument,
  SyncStatusChangedDocument,
  SyncStatusChangedSubscription,
  UpdateCalendarConfigurationDocument,
} from '../generated/graphql';
import { newTenant, uniqueEmail } from '../support/connect-flow';
import { useEmulatedService } from '../support/emulated-service';
import { codeOf, GqlResult } from '../support/test-app';
import { nextWhere, subscribe, untilLive, wsClient } from '../support/ws-client';

// A refused refresh turns a connection into NEEDS_REAUTH, which clients learn over graphql-ws;
// resync and newly selecting its calendars are refused until the same account is reconnected.

type StatusEvent = GqlResult<SyncStatusChangedSubscription>;

describe('NEEDS_REAUTH', () => {
  const s = useEmulatedService();

  const resync = (viewer: string, connectionId: string) => s.t.gql(ResyncConnectionDocument, { connectionId }, s.t.tokenFor(viewer));

  /** A graphql-ws subscriber of syncStatusChanged(locationId). */
  function statusSubscriber(viewer: string, locationId: string) {
    const client = wsClient(s.t.wsUrl, s.t.tokenFor(viewer));
    s.clients.push(client);
    const sub = subscribe(client, SyncStatusChangedDocument, { locationId });
    return { ...sub, nextWhere: (predicate: (e: StatusEvent) => boolean) => nextWhere(sub, predicate) };
  }

  /** The provider now refuses the refresh token, and the current access token has expired. */
  function refuseRefresh(provider: Provider, account: string) {
    if (provider === 'OUTLOOK') {
      s.emu.microsoft.addFault({ kind: 'invalidGrant', account, route: 'POST /*/oauth2/v2.0/token' });
      s.emu.microsoft.state.expireAccessTokens(account);
    } else {
      s.emu.google.faults.add({ fault: { type: 'invalidGrant' }, route: '/token', method: 'POST', account, times: Infinity });
      s.emu.google.state.expireAccessTokens(account);
    }
  }

  test.each<Provider>(['OUTLOOK', 'GOOGLE'])(
    '%s: a refused refresh sets NEEDS_REAUTH with a reconnect message, delivered over graphql-ws; resync and new selections are refused; reconnecting restores ACTIVE and keeps the configuration',
    async (provider) => {
      const w = await newTenant(s.ds());
      const account =
        provider === 'OUTLOOK'
          ? s.emu.microsoft.addAccount({ email: uniqueEmail('reauth', 'contoso-reauth.test'), calendars: ['Second'] }).userPrincipalName
          : s.emu.google.addAccount({ email: uniqueEmail('reauth', 'gmail.test'), calendars: [{ summary: 'Second' }] }).email;
      const conn = await s.flow.connected(w.userA, w.locA, provider, account);
      const def = conn.calendars.find((c) => c.isDefault)!;
      const second = conn.calendars.find((c) => c.name === 'Second')!;
      // The owner links the default calendar (it is also the conflict calendar) and hides details.
      const configured = await s.t.gql(
        UpdateCalendarConfigurationDocument,
        { input: { locationId: w.locA, linkedCalendarId: def.id, conflictCalendarIds: [], hideEventDetails: true, syncDirection: 'ONE_WAY' } },
        s.t.tokenFor(w.userA),
      );
      expect(configured.errors).toBeUndefined();
      const configBefore = (await s.t.gql(CalendarConfigurationDocument, { locationId: w.locA }, s.t.tokenFor(w.userA))).data!.calendarConfiguration;

      // The owner and an admin of the location listen; both subscriptions are live once a resync was delivered.
      const owner = statusSubscriber(w.userA, w.locA);
      const admin = statusSubscriber(w.accountAdminA, w.locA);
      const primed = await untilLive(owner, () => resync(w.userA, conn.id));
      expect(primed.data?.syncStatusChanged.connection).toMatchObject({ id: conn.id, status: 'ACTIVE' });
      await untilLive(admin, () => resync(w.userA, conn.id));

      await s.t.app.whenIdle();

      // The resync's jobs meet the refusal (the mutation itself asks the provider nothing); afterwards resync is refused.
      refuseRefresh(provider, account);
      expect((await resync(w.userA, conn.id)).errors).toBeUndefined();
      await s.t.app.whenIdle();
      const refused = await resync(w.userA, conn.id);
      expect(codeOf(refused)).toBe('CONNECTION_NEEDS_REAUTH');
      expect(refused.errors![0].message).toMatch(/Reconnect the account/);
      // The provider really was asked, and refused.
      if (provider === 'OUTLOOK') {
        expect(s.emu.microsoft.requestLog.list({ method: 'POST', path: /oauth2\/v2\.0\/token$/, account }).some((e) => e.fault === 'invalidGrant' && e.status === 400)).toBe(true);
      } else {
        expect(s.emu.google.requestLog.find('/token', 'POST').some((e) => e.account === account && e.fault === 'invalidGrant')).toBe(true);
      }

      // End-to-end delivery over the WebSocket, to the owner and to the admin.
      for (const sub of [owner, admin]) {
        const event = await sub.nextWhere((e) => e.data?.syncStatusChanged.connection.status === 'NEEDS_REAUTH');
        expect(event.errors).toBeUndefined();
        expect(event.data!.syncStatusChanged.connection).toEqual({
          id: conn.id,
          provider,
          accountEmail: account,
          status: 'NEEDS_REAUTH',
          syncState: expect.any(String),
          lastError: expect.stringMatching(new RegExp(`${account.replace(/[.+]/g, '\\$&')}.*Reconnect the account to resume syncing`)),
          user: { id: w.userA },
          location: { id: w.locA },
        });
        expect(Number.isNaN(Date.parse(event.data!.syncStatusChanged.at))).toBe(false);
      }
      const listed = (await s.t.gql(ConnectionsDocument, { locationId: w.locA }, s.t.tokenFor(w.userA))).data!.connections[0];
      expect(listed).toMatchObject({ id: conn.id, status: 'NEEDS_REAUTH', lastError: expect.stringMatching(/Reconnect the account/) });

      // resyncConnection on it → CONNECTION_NEEDS_REAUTH, without bothering the provider.
      const before = provider === 'OUTLOOK' ? s.emu.microsoft.requestLog.list().length : s.emu.google.requestLog.entries.length;
      expect(codeOf(await resync(w.userA, conn.id))).toBe('CONNECTION_NEEDS_REAUTH');
      expect(codeOf(await resync(w.accountAdminA, conn.id))).toBe('CONNECTION_NEEDS_REAUTH');
      expect(provider === 'OUTLOOK' ? s.emu.microsoft.requestLog.list().length : s.emu.google.requestLog.entries.length).toBe(before);

      // Newly selecting one of its calendars → CONNECTION_NEEDS_REAUTH (as conflict or linked calendar); keeping or dropping the current ones is fine.
      const update = (input: { linkedCalendarId?: string | null; conflictCalendarIds: string[] }) =>
        s.t.gql(UpdateCalendarConfigurationDocument, { input: { locationId: w.locA, ...input } }, s.t.tokenFor(w.userA));
      expect(codeOf(await update({ conflictCalendarIds: [second.id] }))).toBe('CONNECTION_NEEDS_REAUTH');
      expect(codeOf(await update({ linkedCalendarId: second.id, conflictCalendarIds: [] }))).toBe('CONNECTION_NEEDS_REAUTH');
      expect((await s.t.gql(CalendarConfigurationDocument, { locationId: w.locA }, s.t.tokenFor(w.userA))).data!.calendarConfiguration).toEqual(configBefore);
      const kept = await update({ conflictCalendarIds: [def.id] });
      expect(kept.errors).toBeUndefined();
      expect(kept.data!.updateCalendarConfiguration).toEqual(configBefore);

      // Reconnecting the same account restores ACTIVE in place and keeps the configuration.
      s.emu.microsoft.faults.clear();
      s.emu.google.faults.clear();
      const again = await s.flow.connected(w.userA, w.locA, provider, account);
      expect(again).toMatchObject({ id: conn.id, status: 'ACTIVE', lastError: null });
      const restored = await owner.nextWhere((e) => e.data?.syncStatusChanged.connection.status === 'ACTIVE');
      expect(restored.data!.syncStatusChanged.connection).toMatchObject({ id: conn.id, status: 'ACTIVE', lastError: null });
      expect((await s.t.gql(CalendarConfigurationDocument, { locationId: w.locA }, s.t.tokenFor(w.userA))).data!.calendarConfiguration).toEqual(configBefore);
      const ok = await resync(w.userA, conn.id);
      expect(ok.errors).toBeUndefined();
      expect(ok.data!.resyncConnection).toMatchObject({ id: conn.id, status: 'ACTIVE' });
      // And its calendars can be selected again.
      expect((await update({ conflictCalendarIds: [second.id] })).errors).toBeUndefined();
    },
  );

  test('subscribers see only what they could query: users their own connections, admins every member’s; invisible locations are refused', async () => {
    const w = await newTenant(s.ds());
    const mine = await s.flow.connected(w.userA, w.locA, 'GOOGLE', s.emu.google.addAccount({ email: uniqueEmail('vis', 'gmail.test') }).email);
    const theirs = await s.flow.connected(w.userA2, w.locA, 'GOOGLE', s.emu.google.addAccount({ email: uniqueEmail('vis', 'gmail.test') }).email);

    const colleague = statusSubscriber(w.userA2, w.locA);
    await untilLive(colleague, () => resync(w.userA2, theirs.id));

    // userA's connection changes, then userA2's: userA2 is told only about their own.
    const account = mine.accountEmail;
    await s.t.app.whenIdle();
    refuseRefresh('GOOGLE', account);
    await resync(w.userA, mine.id);
    await s.t.app.whenIdle();
    expect(codeOf(await resync(w.userA, mine.id))).toBe('CONNECTION_NEEDS_REAUTH');
    expect((await resync(w.userA2, theirs.id)).errors).toBeUndefined();
    for (;;) {
      const e = await colleague.next();
      expect(e.data?.syncStatusChanged.connection.user.id).toBe(w.userA2);
      if (e.data?.syncStatusChanged.connection.id === theirs.id && e.data.syncStatusChanged.connection.status === 'ACTIVE') break;
    }

    // A location the viewer cannot see is refused at subscription time.
    const refused = statusSubscriber(w.userA, w.locB);
    expect(codeOf(await refused.next())).toBe('NOT_FOUND');
  });
});
