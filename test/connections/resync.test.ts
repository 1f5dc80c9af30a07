import { credentialsBinding } from '../../src/connections/connection-tokens.service';
import { TokenCipher } from '../../src/connections/token-cipher';
import {
  CalendarConfigurationDocument,
  ConflictsChangedDocument,
  ConnectionsDocument,
  ResyncConnectionDocument,
  SyncStatusChangedDocument,
  UpdateCalendarConfigurationDocument,
} from '../generated/graphql';
import { newTenant, scalar, uniqueEmail } from '../support/connect-flow';
import { useEmulatedService } from '../support/emulated-service';
import { codeOf, TEST_TOKEN_KEY } from '../support/test-app';
import { hourFromNow, outlookEvent, plusMinutes } from '../support/provider-events';
import { primeConflicts, subscribe, untilLive, wsClient } from '../support/ws-client';

// resyncConnection, "the supported repair": refreshes the calendar list (new calendars appear, gone ones
// leave the selections, a linked calendar that lost write access is unlinked with an event saying why),
// refreshes expired tokens, and restarts push.

describe('resyncConnection', () => {
  const s = useEmulatedService();
  const cipher = new TokenCipher([TEST_TOKEN_KEY]);

  const resync = (viewer: string, connectionId: string) => s.t.gql(ResyncConnectionDocument, { connectionId }, s.t.tokenFor(viewer));
  /** resyncConnection, then the jobs it started; returns the connection as they left it. */
  const resynced = async (viewer: string, connectionId: string) => {
    const r = await resync(viewer, connectionId);
    expect(r.errors).toBeUndefined();
    await s.t.app.whenIdle();
    const [conn] = (await s.t.gql(ConnectionsDocument, { locationId: r.data!.resyncConnection.location.id, userId: r.data!.resyncConnection.user.id }, s.t.tokenFor(viewer))).data!.connections.filter((c) => c.id === connectionId);
    return conn;
  };
  const config = async (viewer: string, locationId: string) => (await s.t.gql(CalendarConfigurationDocument, { locationId }, s.t.tokenFor(viewer))).data!.calendarConfiguration;
  const tokensOf = async (connectionId: string) => {
    const [row] = await s.ds().query(`SELECT credentials FROM connections WHERE id = $1`, [connectionId]);
    return JSON.parse(cipher.decrypt(row.credentials, credentialsBinding(connectionId))) as { accessToken: string; refreshToken: string };
  };

  test('who may resync: the owner and the admins of the location; others → NOT_FOUND', async () => {
    const w = await newTenant(s.ds());
    const conn = await s.flow.connected(w.userA, w.locA, 'GOOGLE', s.emu.google.addAccount({ email: uniqueEmail('who', 'gmail.test') }).email);
    for (const viewer of [w.userA, w.accountAdminA, w.agencyAdmin]) expect((await resync(viewer, conn.id)).data?.resyncConnection.id).toBe(conn.id);
    for (const viewer of [w.userA2, w.userB]) expect(codeOf(await resync(viewer, conn.id))).toBe('NOT_FOUND');
    expect(codeOf(await resync(w.userA, '00000000-0000-4000-8000-000000000000'))).toBe('NOT_FOUND');
    expect(codeOf(await resync(w.userA, 'x'))).toBe('NOT_FOUND');
  });

  test('Outlook: the calendar list is refreshed; a linked calendar that lost write access is unlinked with a sync-status event saying why', async () => {
    const w = await newTenant(s.ds());
    const me = s.emu.microsoft.addAccount({ email: uniqueEmail('list', 'contoso-list.test') });
    const boss = s.emu.microsoft.addAccount({ email: uniqueEmail('boss', 'contoso-list.test') });
    const bossCal = s.emu.microsoft.state.addCalendar(boss.id, 'Boss calendar');
    const gone = s.emu.microsoft.state.addCalendar(boss.id, 'Project (going away)');
    s.emu.microsoft.state.shareCalendar(bossCal.id, me.id, 'writer');
    s.emu.microsoft.state.shareCalendar(gone.id, me.id, 'reader');
    const kickoff = { title: 'Project kick-off', start: hourFromNow(2), end: plusMinutes(hourFromNow(2), 90) };
    outlookEvent(s.emu, gone.id, kickoff);
    const conn = await s.flow.connected(w.userA, w.locA, 'OUTLOOK', me.userPrincipalName);
    const id = (name: string) => conn.calendars.find((c) => c.name === name)!.id;
    expect(conn.calendars.find((c) => c.name === 'Boss calendar')!.canWrite).toBe(true);
    const upd = await s.t.gql(
      UpdateCalendarConfigurationDocument,
      { input: { locationId: w.locA, linkedCalendarId: id('Boss calendar'), conflictCalendarIds: [id('Calendar'), id('Project (going away)')] } },
      s.t.tokenFor(w.userA),
    );
    expect(upd.errors).toBeUndefined();
    await s.t.app.whenIdle();
    const subs = () =>
      [...s.emu.microsoft.state.subscriptions.values()]
        .filter((sub) => sub.accountId === me.id)
        .map((sub) => s.emu.microsoft.state.calendars.get(sub.calendarId!)?.name)
        .sort();
    expect(subs()).toEqual(['Boss calendar', 'Calendar', 'Project (going away)']);

    const client = wsClient(s.t.wsUrl, s.t.tokenFor(w.userA));
    s.clients.push(client);
    const status = subscribe(client, SyncStatusChangedDocument, { locationId: w.locA });
    const conflicts = subscribe(client, ConflictsChangedDocument, { locationId: w.locA, userId: w.userA });
    await untilLive(status, () => resync(w.userA, conn.id));
    const primer = { locationId: w.locA, userId: w.userA, from: new Date(0).toISOString(), to: new Date(1).toISOString() };
    await untilLive(conflicts, () => primeConflicts(s.t, w.locA, primer));
    await s.t.app.whenIdle();

    // At the provider: the boss now shares read-only, the project calendar is no longer shared, a new calendar appears.
    s.emu.microsoft.state.shareCalendar(bossCal.id, me.id, 'reader');
    s.emu.microsoft.state.calendars.get(gone.id)!.shares.delete(me.id);
    s.emu.microsoft.state.addCalendar(me.id, 'Brand new');

    await s.t.app.whenIdle();
    const after = await resynced(w.userA, conn.id);
    expect(after.calendars.map((c) => [c.name, c.canWrite]).sort()).toEqual([
      ['Boss calendar', false],
      ['Brand new', true],
      ['Calendar', true],
    ]);
    expect(after.calendars.find((c) => c.name === 'Boss calendar')!.id).toBe(id('Boss calendar')); // same row, updated
    expect(after.status).toBe('ACTIVE');
    expect(after.lastError).toMatch(/Boss calendar/);
    expect(after.lastError).toMatch(/unlinked/);

    const cfg = await config(w.userA, w.locA);
    expect(cfg.linkedCalendar).toBeNull();
    // The formerly linked calendar still blocks time; the one that is gone left the selection.
    expect(cfg.conflictCalendars.map((c) => c.name).sort()).toEqual(['Boss calendar', 'Calendar']);
    expect(await scalar(s.ds(), `SELECT count(*) FROM push_channels WHERE connection_id = $1`, [conn.id])).toBe(2);
    // The subscription of the calendar that went away was deleted at Graph too.
    expect(subs()).toEqual(['Boss calendar', 'Calendar']);

    // The event says why, and the user's blocking time is announced as changed.
    let event = await status.next();
    while (event.data && event.data.syncStatusChanged.connection.lastError === null) event = await status.next(); // earlier resyncs' events
    expect(event.data!.syncStatusChanged.connection).toMatchObject({ id: conn.id, status: 'ACTIVE', lastError: after.lastError });
    // The project calendar's event no longer takes the user's time: exactly its range is announced.
    let freed = await conflicts.next();
    while (freed.data?.conflictsChanged.from === primer.from) freed = await conflicts.next();
    expect(freed.data!.conflictsChanged).toEqual({ userId: w.userA, locationId: w.locA, from: kickoff.start.toISOString(), to: kickoff.end.toISOString() });

    // A clean resync clears the notice.
    expect((await resynced(w.userA, conn.id)).lastError).toBeNull();
  });

  test('Google: calendars that left the list leave the selections; a read-only re-share unlinks', async () => {
    const w = await newTenant(s.ds());
    const me = s.emu.google.addAccount({ email: uniqueEmail('list', 'gmail.test') });
    const owner = s.emu.google.addAccount({ email: uniqueEmail('owner', 'gmail.test'), calendars: [{ summary: 'Team' }, { summary: 'Old' }] });
    const team = [...owner.calendars.values()].find((c) => s.emu.google.state.calendars.get(c.calendarId)!.summary === 'Team')!.calendarId;
    const old = [...owner.calendars.values()].find((c) => s.emu.google.state.calendars.get(c.calendarId)!.summary === 'Old')!.calendarId;
    s.emu.google.state.shareCalendar(team, me.email, 'writer');
    s.emu.google.state.shareCalendar(old, me.email, 'reader');
    const conn = await s.flow.connected(w.userA, w.locA, 'GOOGLE', me.email);
    const id = (name: string) => conn.calendars.find((c) => c.name === name)!.id;
    expect((await s.t.gql(UpdateCalendarConfigurationDocument, { input: { locationId: w.locA, linkedCalendarId: id('Team'), conflictCalendarIds: [id('Old')] } }, s.t.tokenFor(w.userA))).errors).toBeUndefined();
    await s.t.app.whenIdle();

    s.emu.google.state.shareCalendar(team, me.email, 'reader');
    s.emu.google.state.account(me.email).calendars.delete(old);
    const after = await resynced(w.userA, conn.id);
    expect(new Map(after.calendars.map((c) => [c.name, c.canWrite]))).toEqual(
      new Map([
        [me.email, true],
        ['Team', false],
      ]),
    );
    expect(after.lastError).toMatch(/Team/);
    const cfg = await config(w.userA, w.locA);
    expect(cfg.linkedCalendar).toBeNull();
    expect(cfg.conflictCalendars.map((c) => c.name)).toEqual(['Team']);
    expect([...s.emu.google.push.channels.values()].filter((c) => c.sub === me.sub && !c.stopped).map((c) => c.calendarId)).toEqual([team]);
  });

  test('push is restarted: a subscription the provider dropped is created again', async () => {
    const w = await newTenant(s.ds());
    const me = s.emu.microsoft.addAccount({ email: uniqueEmail('push', 'contoso-push.test') });
    const conn = await s.flow.connected(w.userA, w.locA, 'OUTLOOK', me.userPrincipalName);
    const live = () => [...s.emu.microsoft.state.subscriptions.values()].filter((sub) => sub.accountId === me.id);
    const [dropped] = live();
    expect(dropped.calendarId).toBe(me.defaultCalendarId);
    s.emu.microsoft.state.subscriptions.delete(dropped.id);
    expect(live()).toHaveLength(0);

    await resynced(w.userA, conn.id);
    const now = live();
    expect(now.map((sub) => sub.calendarId)).toEqual([me.defaultCalendarId]);
    const rows: Array<{ channel_id: string }> = await s.ds().query(`SELECT channel_id FROM push_channels WHERE connection_id = $1`, [conn.id]);
    expect(rows.map((r) => r.channel_id)).toEqual([now[0].id]);
  });

  test.each(['OUTLOOK', 'GOOGLE'] as const)('%s: an expired access token is refreshed on use and the new tokens are stored, even under concurrent resyncs', async (provider) => {
    const w = await newTenant(s.ds());
    const account =
      provider === 'OUTLOOK' ? s.emu.microsoft.addAccount({ email: uniqueEmail('refresh', 'contoso-refresh.test') }).userPrincipalName : s.emu.google.addAccount({ email: uniqueEmail('refresh', 'gmail.test') }).email;
    const conn = await s.flow.connected(w.userA, w.locA, provider, account);
    const before = await tokensOf(conn.id);
    if (provider === 'OUTLOOK') s.emu.microsoft.state.expireAccessTokens(account);
    else s.emu.google.state.expireAccessTokens(account);

    const results = await Promise.all([resync(w.userA, conn.id), resync(w.userA, conn.id), resync(w.accountAdminA, conn.id)]);
    for (const r of results) {
      expect(r.errors).toBeUndefined();
      expect(r.data!.resyncConnection.status).toBe('ACTIVE');
    }
    await s.t.app.whenIdle();
    expect((await resynced(w.userA, conn.id)).status).toBe('ACTIVE');
    const after = await tokensOf(conn.id);
    expect(after.accessToken).not.toBe(before.accessToken);
    if (provider === 'OUTLOOK') {
      // Microsoft rotates refresh tokens: the stored one is the newest, still valid.
      expect(s.emu.microsoft.state.refreshTokens.get(after.refreshToken)?.revoked).toBeNull();
      expect(s.emu.microsoft.state.accessTokens.get(after.accessToken)!.expiresAtMs).toBeGreaterThan(Date.now());
    } else {
      expect(s.emu.google.state.tokens.checkAccess(after.accessToken)).not.toBeNull();
    }
    // And it keeps working.
    expect((await resynced(w.userA, conn.id)).status).toBe('ACTIVE');
  });
});
