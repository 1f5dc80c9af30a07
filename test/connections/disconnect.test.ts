import {
  CalendarConfigurationDocument,
  ConnectionsDocument,
  DeactivateUserDocument,
  DisconnectDocument,
  RemoveLocationMemberDocument,
  ResyncConnectionDocument,
  SetAgencyPlanDocument,
  SetCrossLocationPolicyDocument,
  SetLocationFeatureDocument,
  SetPlanFeaturesDocument,
  SyncStatusChangedDocument,
  UpdateCalendarConfigurationDocument,
} from '../generated/graphql';
import { newTenant, scalar, uniqueEmail } from '../support/connect-flow';
import { useEmulatedService } from '../support/emulated-service';
import { insertAgency, insertLocation, insertUser } from '../support/fixtures';
import { codeOf } from '../support/test-app';
import { nextWhere, subscribe, untilLive, wsClient } from '../support/ws-client';

// disconnect, and the disconnects that removeLocationMember and deactivateUser do first.

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

describe('disconnect', () => {
  const s = useEmulatedService();
  const rows = (sql: string, params: unknown[] = []) => scalar(s.ds(), sql, params);

  const outlookAccount = (calendars: string[] = []) => s.emu.microsoft.addAccount({ email: uniqueEmail('dis', 'contoso-dis.test'), calendars });
  const googleAccount = (calendars: Array<{ summary: string }> = []) => s.emu.google.addAccount({ email: uniqueEmail('dis', 'gmail.test'), calendars });
  /** Live Graph subscriptions of an account, by calendar name. */
  const subscriptionsOf = (accountId: string) =>
    [...s.emu.microsoft.state.subscriptions.values()]
      .filter((sub) => sub.accountId === accountId)
      .map((sub) => s.emu.microsoft.state.calendars.get(sub.calendarId!)!.name)
      .sort();
  /** Live Google watch channels of an account, by calendar summary. */
  const channelsOf = (sub: string) =>
    [...s.emu.google.push.channels.values()]
      .filter((c) => c.sub === sub && !c.stopped)
      .map((c) => s.emu.google.state.calendars.get(c.calendarId)!.summary)
      .sort();
  /** What a connection leaves in the database. */
  const leftovers = async (connectionId: string) => ({
    connections: await rows(`SELECT count(*) FROM connections WHERE id = $1`, [connectionId]),
    calendars: await rows(`SELECT count(*) FROM provider_calendars WHERE connection_id = $1`, [connectionId]),
    pushChannels: await rows(`SELECT count(*) FROM push_channels WHERE connection_id = $1`, [connectionId]),
  });
  const disconnect = (viewer: string, connectionId: string) => s.t.gql(DisconnectDocument, { connectionId }, s.t.tokenFor(viewer));

  test('an unknown, malformed or invisible connection id → NOT_FOUND', async () => {
    const w = await newTenant(s.ds());
    const g = googleAccount();
    const conn = await s.flow.connected(w.userA, w.locA, 'GOOGLE', g.email);
    expect(codeOf(await disconnect(w.userA, UNKNOWN_ID))).toBe('NOT_FOUND');
    expect(codeOf(await disconnect(w.userA, 'nope'))).toBe('NOT_FOUND');
    // Another user of the same location (not an admin), a user of another location, another agency.
    const otherAgency = await insertAgency(s.ds());
    const stranger = await insertUser(s.ds(), otherAgency, 'AGENCY', 'ADMIN', [await insertLocation(s.ds(), otherAgency)]);
    for (const viewer of [w.userA2, w.userB, stranger]) expect(codeOf(await disconnect(viewer, conn.id))).toBe('NOT_FOUND');
    expect(codeOf(await s.t.gql(DisconnectDocument, { connectionId: conn.id }, null))).toBe('UNAUTHENTICATED');
    expect((await leftovers(conn.id)).connections).toBe(1);
  });

  test('removes the calendars from every selection, deletes tokens and calendars, and stops push (Graph subscription and Google channel gone)', async () => {
    const w = await newTenant(s.ds());
    const o = outlookAccount(['Team Calendar']);
    const g = googleAccount([{ summary: 'Side' }]);
    const oc = await s.flow.connected(w.userA, w.locA, 'OUTLOOK', o.userPrincipalName);
    const gc = await s.flow.connected(w.userA, w.locA, 'GOOGLE', g.email);
    const team = oc.calendars.find((c) => c.name === 'Team Calendar')!.id;
    const outlookDefault = oc.calendars.find((c) => c.isDefault)!.id;
    const side = gc.calendars.find((c) => c.name === 'Side')!.id;
    const upd = await s.t.gql(
      UpdateCalendarConfigurationDocument,
      { input: { locationId: w.locA, linkedCalendarId: team, conflictCalendarIds: [outlookDefault, side], hideEventDetails: true } },
      s.t.tokenFor(w.userA),
    );
    expect(upd.errors).toBeUndefined();
    await s.t.app.whenIdle();
    expect(subscriptionsOf(o.id)).toEqual(['Calendar', 'Team Calendar']);
    expect(channelsOf(g.sub)).toEqual(['Side']);
    expect(await leftovers(oc.id)).toEqual({ connections: 1, calendars: 2, pushChannels: 2 });

    const r = await disconnect(w.userA, oc.id);
    expect(r.errors).toBeUndefined();
    expect(r.data!.disconnect).toBe(true);

    expect(await leftovers(oc.id)).toEqual({ connections: 0, calendars: 0, pushChannels: 0 });
    expect(await rows(`SELECT count(*) FROM conflict_calendars WHERE provider_calendar_id = ANY($1)`, [[team, outlookDefault]])).toBe(0);
    expect(subscriptionsOf(o.id)).toEqual([]);
    // Google is untouched; the configuration keeps what is left.
    expect(channelsOf(g.sub)).toEqual(['Side']);
    const cfg = (await s.t.gql(CalendarConfigurationDocument, { locationId: w.locA }, s.t.tokenFor(w.userA))).data!.calendarConfiguration;
    expect(cfg).toMatchObject({ linkedCalendar: null, hideEventDetails: true });
    expect(cfg.conflictCalendars.map((c) => c.id)).toEqual([side]);
    expect((await s.t.gql(ConnectionsDocument, { locationId: w.locA }, s.t.tokenFor(w.userA))).data!.connections.map((c) => c.id)).toEqual([gc.id]);
    // Gone means gone.
    expect(codeOf(await disconnect(w.userA, oc.id))).toBe('NOT_FOUND');

    // Google too: the watch channel is stopped at the provider.
    expect((await disconnect(w.userA, gc.id)).data?.disconnect).toBe(true);
    expect(channelsOf(g.sub)).toEqual([]);
    expect(await leftovers(gc.id)).toEqual({ connections: 0, calendars: 0, pushChannels: 0 });
    expect(await rows(`SELECT count(*) FROM conflict_calendars WHERE user_id = $1`, [w.userA])).toBe(0);
  });

  test('admins of the location disconnect members’ connections; the same account can be reconnected later, by its user or by someone else', async () => {
    const w = await newTenant(s.ds());
    const o = outlookAccount();
    const first = await s.flow.connected(w.userA, w.locA, 'OUTLOOK', o.userPrincipalName);
    expect((await disconnect(w.accountAdminA, first.id)).data?.disconnect).toBe(true);
    expect(subscriptionsOf(o.id)).toEqual([]);

    const again = await s.flow.connected(w.userA, w.locA, 'OUTLOOK', o.userPrincipalName);
    expect(again.id).not.toBe(first.id);
    expect(again.status).toBe('ACTIVE');
    expect(subscriptionsOf(o.id)).toEqual(['Calendar']);
    expect((await disconnect(w.agencyAdmin, again.id)).data?.disconnect).toBe(true);

    // Free again: another user may connect it now.
    const byColleague = await s.flow.connected(w.userA2, w.locA, 'OUTLOOK', o.userPrincipalName);
    expect(byColleague.user.id).toBe(w.userA2);
    expect(await rows(`SELECT count(*) FROM provider_accounts WHERE external_id = $1 AND user_id = $2`, [`${o.tid}.${o.oid}`, w.userA2])).toBe(1);
  });

  test('concurrent disconnects of the same account in two locations free the account (ALLOW_SAME_USER)', async () => {
    for (let round = 0; round < 5; round++) {
      const w = await newTenant(s.ds());
      expect((await s.t.gql(SetCrossLocationPolicyDocument, { agencyId: w.agencyId, policy: 'ALLOW_SAME_USER' }, s.t.tokenFor(w.agencyAdmin))).errors).toBeUndefined();
      const g = googleAccount();
      const inA = await s.flow.connected(w.userAB, w.locA, 'GOOGLE', g.email);
      const inB = await s.flow.connected(w.userAB, w.locB, 'GOOGLE', g.email);
      const results = await Promise.all([disconnect(w.userAB, inA.id), disconnect(w.userAB, inB.id)]);
      expect(results.map((r) => r.data?.disconnect)).toEqual([true, true]);
      expect(await rows(`SELECT count(*) FROM connections WHERE account_external_id = $1`, [g.sub])).toBe(0);
      expect(await rows(`SELECT count(*) FROM provider_accounts WHERE external_id = $1`, [g.sub])).toBe(0);
      // Nobody holds it any more.
      expect((await s.flow.connect(w.userA2, w.locA, 'GOOGLE', g.email)).errors).toBeUndefined();
    }
  });

  test('disconnect is never gated: it works after the plan lost the feature and with the location switch off', async () => {
    const w = await newTenant(s.ds());
    const g1 = googleAccount();
    const o1 = outlookAccount();
    const gc = await s.flow.connected(w.userA, w.locA, 'GOOGLE', g1.email);
    const oc = await s.flow.connected(w.userA, w.locA, 'OUTLOOK', o1.userPrincipalName);
    // Only this test's agency is on Starter; Starter loses Google for it.
    expect((await s.t.gql(SetAgencyPlanDocument, { agencyId: w.agencyId, plan: 'STARTER' }, s.t.serviceToken)).errors).toBeUndefined();
    expect((await s.t.gql(SetPlanFeaturesDocument, { plan: 'STARTER', features: ['OUTLOOK_CALENDAR'] }, s.t.serviceToken)).errors).toBeUndefined();
    try {
      expect(codeOf(await s.flow.start(w.userA, w.locA, 'GOOGLE'))).toBe('FEATURE_NOT_ENABLED');
      expect((await disconnect(w.userA, gc.id)).data?.disconnect).toBe(true);
      expect(await s.t.gql(SetLocationFeatureDocument, { locationId: w.locA, feature: 'OUTLOOK_CALENDAR', enabled: false }, s.t.tokenFor(w.agencyAdmin))).not.toHaveProperty('errors');
      expect((await disconnect(w.userA, oc.id)).data?.disconnect).toBe(true);
      expect(await rows(`SELECT count(*) FROM connections WHERE user_id = $1`, [w.userA])).toBe(0);
      expect(channelsOf(g1.sub)).toEqual([]);
      expect(subscriptionsOf(o1.id)).toEqual([]);
    } finally {
      await s.t.gql(SetPlanFeaturesDocument, { plan: 'STARTER', features: ['OUTLOOK_CALENDAR', 'GOOGLE_CALENDAR'] }, s.t.serviceToken);
    }
  });

  test('removeLocationMember disconnects the user’s connections there first (and only there)', async () => {
    const w = await newTenant(s.ds());
    const oA = outlookAccount();
    const gB = googleAccount();
    const inA = await s.flow.connected(w.userAB, w.locA, 'OUTLOOK', oA.userPrincipalName);
    const inB = await s.flow.connected(w.userAB, w.locB, 'GOOGLE', gB.email);
    expect(subscriptionsOf(oA.id)).toEqual(['Calendar']);
    expect(channelsOf(gB.sub)).toEqual([gB.email]);

    const r = await s.t.gql(RemoveLocationMemberDocument, { locationId: w.locA, userId: w.userAB }, s.t.tokenFor(w.accountAdminA));
    expect(r.errors).toBeUndefined();
    expect(await leftovers(inA.id)).toEqual({ connections: 0, calendars: 0, pushChannels: 0 });
    expect(subscriptionsOf(oA.id)).toEqual([]);
    expect(await rows(`SELECT count(*) FROM calendar_configurations WHERE user_id = $1 AND location_id = $2`, [w.userAB, w.locA])).toBe(0);
    // Location B keeps its connection, its selection and its push.
    expect((await leftovers(inB.id)).connections).toBe(1);
    expect(channelsOf(gB.sub)).toEqual([gB.email]);
    expect(await rows(`SELECT count(*) FROM conflict_calendars WHERE user_id = $1 AND location_id = $2`, [w.userAB, w.locB])).toBe(1);
    // The Outlook account is free again.
    expect((await s.flow.connect(w.userA, w.locA, 'OUTLOOK', oA.userPrincipalName)).errors).toBeUndefined();
  });

  test('deactivateUser disconnects all of the user’s connections first', async () => {
    const w = await newTenant(s.ds());
    const o = outlookAccount();
    const g = googleAccount();
    const g2 = googleAccount();
    const oc = await s.flow.connected(w.userAB, w.locA, 'OUTLOOK', o.userPrincipalName);
    const gc = await s.flow.connected(w.userAB, w.locA, 'GOOGLE', g.email);
    const gcB = await s.flow.connected(w.userAB, w.locB, 'GOOGLE', g2.email);

    const r = await s.t.gql(DeactivateUserDocument, { userId: w.userAB }, s.t.tokenFor(w.agencyAdmin));
    expect(r.errors).toBeUndefined();
    expect(r.data!.deactivateUser.active).toBe(false);
    for (const id of [oc.id, gc.id, gcB.id]) expect(await leftovers(id)).toEqual({ connections: 0, calendars: 0, pushChannels: 0 });
    expect(await rows(`SELECT count(*) FROM provider_accounts WHERE user_id = $1`, [w.userAB])).toBe(0);
    expect(subscriptionsOf(o.id)).toEqual([]);
    expect(channelsOf(g.sub)).toEqual([]);
    expect(channelsOf(g2.sub)).toEqual([]);
  });

  test('subscribers of syncStatusChanged learn that a connection was disconnected (by the owner, or because membership ended)', async () => {
    const w = await newTenant(s.ds());
    const g = googleAccount();
    const o = outlookAccount();
    const gc = await s.flow.connected(w.userAB, w.locA, 'GOOGLE', g.email);
    const oc = await s.flow.connected(w.userAB, w.locA, 'OUTLOOK', o.userPrincipalName);
    const client = wsClient(s.t.wsUrl, s.t.tokenFor(w.accountAdminA));
    try {
      const sub = subscribe(client, SyncStatusChangedDocument, { locationId: w.locA });
      const first = await untilLive(sub, () => s.t.gql(ResyncConnectionDocument, { connectionId: gc.id }, s.t.tokenFor(w.userAB)));
      expect(first.data!.syncStatusChanged).toMatchObject({ disconnected: false, connection: { id: gc.id, status: 'ACTIVE' } });
      const nextGone = () => nextWhere(sub, (e) => e.data!.syncStatusChanged.disconnected);

      expect((await disconnect(w.userAB, gc.id)).data?.disconnect).toBe(true);
      expect((await nextGone()).data!.syncStatusChanged).toMatchObject({ disconnected: true, connection: { id: gc.id, provider: 'GOOGLE', accountEmail: g.email, user: { id: w.userAB } } });

      expect((await s.t.gql(RemoveLocationMemberDocument, { locationId: w.locA, userId: w.userAB }, s.t.tokenFor(w.accountAdminA))).errors).toBeUndefined();
      expect((await nextGone()).data!.syncStatusChanged).toMatchObject({ disconnected: true, connection: { id: oc.id, provider: 'OUTLOOK' } });
    } finally {
      await client.dispose();
    }
  });
});
