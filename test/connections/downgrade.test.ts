import type { Client } from 'graphql-ws';
import {
  CalendarConfigurationDocument,
  Feature,
  PlanCode,
  ResyncConnectionDocument,
  SetAgencyPlanDocument,
  SetLocationFeatureDocument,
  SetPlanFeaturesDocument,
  SyncStatusChangedDocument,
  UpdateCalendarConfigurationDocument,
} from '../generated/graphql';
import { ConnectFlow, Emulators, newTenant, scalar, startEmulators, uniqueEmail } from '../support/connect-flow';
import { startTestApp, TestApp } from '../support/test-app';
import { nextWhere, subscribe, untilLive, wsClient } from '../support/ws-client';

// PRODUCT.md "Plan gating": after a downgrade (the plan loses the feature, the agency moves to a plan without it,
// or the location switches it off) existing connections stop push; their data stays; a sync-status event says why.
// Enabling the feature again resumes them.

const BOTH: Feature[] = ['OUTLOOK_CALENDAR', 'GOOGLE_CALENDAR'];

describe('connections after a downgrade', () => {
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
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
    for (const plan of ['STARTER', 'FREELANCER', 'AGENCY_PRO'] as PlanCode[]) await t.gql(SetPlanFeaturesDocument, { plan, features: BOTH }, t.serviceToken);
  });
  afterAll(async () => {
    await t?.stop();
    await emu?.close();
  });

  /** A Starter agency whose userA has Google and Outlook connected in location A, both pushed, and a status subscriber. */
  async function setUp() {
    const w = await newTenant(ds(), 'STARTER');
    const google = emu.google.addAccount({ email: uniqueEmail('down', 'gmail.test'), calendars: [{ summary: 'Side' }] });
    const outlook = emu.microsoft.addAccount({ email: uniqueEmail('down', 'contoso-down.test') });
    const gc = await flow.connected(w.userA, w.locA, 'GOOGLE', google.email);
    const oc = await flow.connected(w.userA, w.locA, 'OUTLOOK', outlook.userPrincipalName);
    // Both default calendars selected (Google's was the first; Outlook's is added).
    const both = [gc.calendars.find((c) => c.isDefault)!.id, oc.calendars.find((c) => c.isDefault)!.id];
    expect((await t.gql(UpdateCalendarConfigurationDocument, { input: { locationId: w.locA, conflictCalendarIds: both } }, t.tokenFor(w.userA))).errors).toBeUndefined();
    const client = wsClient(t.wsUrl, t.tokenFor(w.userA));
    clients.push(client);
    const status = subscribe(client, SyncStatusChangedDocument, { locationId: w.locA });
    await untilLive(status, () => t.gql(ResyncConnectionDocument, { connectionId: gc.id }, t.tokenFor(w.userA)));
    await t.app.whenIdle();
    const googlePush = () => [...emu.google.push.channels.values()].filter((c) => c.sub === google.sub && !c.stopped).length;
    const outlookPush = () => [...emu.microsoft.state.subscriptions.values()].filter((s) => s.accountId === outlook.id).length;
    expect([googlePush(), outlookPush()]).toEqual([1, 1]);
    return { w, gc, oc, status, googlePush, outlookPush };
  }

  const connectionRow = async (id: string) => (await ds().query(`SELECT status, last_error FROM connections WHERE id = $1`, [id]))[0] as { status: string; last_error: string | null };

  test('the plan loses the feature: push stops, data stays, an event says why; the feature back resumes push', async () => {
    const { w, gc, oc, status, googlePush, outlookPush } = await setUp();
    const calendarsBefore = await scalar(ds(), `SELECT count(*) FROM provider_calendars WHERE connection_id = $1`, [gc.id]);

    expect((await t.gql(SetPlanFeaturesDocument, { plan: 'STARTER', features: ['OUTLOOK_CALENDAR'] }, t.serviceToken)).errors).toBeUndefined();
    const stopped = await nextWhere(status, (e) => e.data?.syncStatusChanged.connection.id === gc.id && e.data.syncStatusChanged.connection.lastError !== null);
    await t.app.whenIdle();
    expect(stopped.data!.syncStatusChanged.connection.lastError).toMatch(/Google Calendar Integration is no longer enabled/);
    expect(googlePush()).toBe(0);
    expect(await scalar(ds(), `SELECT count(*) FROM push_channels WHERE connection_id = $1`, [gc.id])).toBe(0);
    // Outlook is untouched; Google's data and selection stay.
    expect(outlookPush()).toBe(1);
    expect((await connectionRow(oc.id)).last_error).toBeNull();
    expect(await scalar(ds(), `SELECT count(*) FROM provider_calendars WHERE connection_id = $1`, [gc.id])).toBe(calendarsBefore);
    const cfg = (await t.gql(CalendarConfigurationDocument, { locationId: w.locA }, t.tokenFor(w.userA))).data!.calendarConfiguration;
    expect(cfg.conflictCalendars.map((c) => c.provider).sort()).toEqual(['GOOGLE', 'OUTLOOK']);

    // Neither a resync nor a new selection starts push for it, and the reason stays visible.
    const resynced = await t.gql(ResyncConnectionDocument, { connectionId: gc.id }, t.tokenFor(w.userA));
    expect(resynced.data?.resyncConnection.lastError).toMatch(/no longer enabled/);
    const side = gc.calendars.find((c) => c.name === 'Side')!.id;
    expect((await t.gql(UpdateCalendarConfigurationDocument, { input: { locationId: w.locA, conflictCalendarIds: [...cfg.conflictCalendars.map((c) => c.id), side] } }, t.tokenFor(w.userA))).errors).toBeUndefined();
    await t.app.whenIdle();
    expect(googlePush()).toBe(0);

    // The feature is back: push resumes for the selected calendars, the reason is cleared.
    expect((await t.gql(SetPlanFeaturesDocument, { plan: 'STARTER', features: BOTH }, t.serviceToken)).errors).toBeUndefined();
    const resumed = await nextWhere(status, (e) => e.data?.syncStatusChanged.connection.id === gc.id && e.data.syncStatusChanged.connection.lastError === null);
    await t.app.whenIdle();
    expect(resumed.data!.syncStatusChanged.connection.status).toBe('ACTIVE');
    expect(googlePush()).toBe(2);
    expect((await connectionRow(gc.id)).last_error).toBeNull();
  });

  test('the agency moves to a plan without the feature, and the location switch: the same', async () => {
    const { w, gc, oc, status, googlePush, outlookPush } = await setUp();
    expect((await t.gql(SetPlanFeaturesDocument, { plan: 'FREELANCER', features: ['GOOGLE_CALENDAR'] }, t.serviceToken)).errors).toBeUndefined();
    expect((await t.gql(SetAgencyPlanDocument, { agencyId: w.agencyId, plan: 'FREELANCER' }, t.serviceToken)).errors).toBeUndefined();
    const stopped = await nextWhere(status, (e) => e.data?.syncStatusChanged.connection.id === oc.id && e.data.syncStatusChanged.connection.lastError !== null);
    await t.app.whenIdle();
    expect(stopped.data!.syncStatusChanged.connection.lastError).toMatch(/Outlook Integration is no longer enabled/);
    expect([googlePush(), outlookPush()]).toEqual([1, 0]);

    expect((await t.gql(SetAgencyPlanDocument, { agencyId: w.agencyId, plan: 'AGENCY_PRO' }, t.serviceToken)).errors).toBeUndefined();
    await nextWhere(status, (e) => e.data?.syncStatusChanged.connection.id === oc.id && e.data.syncStatusChanged.connection.lastError === null);
    await t.app.whenIdle();
    expect([googlePush(), outlookPush()]).toEqual([1, 1]);

    // The location switch, by the agency admin.
    expect((await t.gql(SetLocationFeatureDocument, { locationId: w.locA, feature: 'GOOGLE_CALENDAR', enabled: false }, t.tokenFor(w.agencyAdmin))).errors).toBeUndefined();
    await nextWhere(status, (e) => e.data?.syncStatusChanged.connection.id === gc.id && e.data.syncStatusChanged.connection.lastError !== null);
    await t.app.whenIdle();
    expect([googlePush(), outlookPush()]).toEqual([0, 1]);
    // Switching it off again changes nothing more.
    expect((await t.gql(SetLocationFeatureDocument, { locationId: w.locA, feature: 'GOOGLE_CALENDAR', enabled: false }, t.tokenFor(w.agencyAdmin))).errors).toBeUndefined();
    await t.app.whenIdle();
    expect([googlePush(), outlookPush()]).toEqual([0, 1]);
    expect((await t.gql(SetLocationFeatureDocument, { locationId: w.locA, feature: 'GOOGLE_CALENDAR', enabled: true }, t.tokenFor(w.agencyAdmin))).errors).toBeUndefined();
    await nextWhere(status, (e) => e.data?.syncStatusChanged.connection.id === gc.id && e.data.syncStatusChanged.connection.lastError === null);
    await t.app.whenIdle();
    expect([googlePush(), outlookPush()]).toEqual([1, 1]);
  });
});
