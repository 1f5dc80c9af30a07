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
import { newTenant, scalar, uniqueEmail } from '../support/connect-flow';
import { useEmulatedService } from '../support/emulated-service';
import { nextWhere, subscribe, untilLive, wsClient } from '../support/ws-client';

// PRODUCT.md "Plan gating": after a downgrade (the plan loses the feature, the agency moves to a plan without it,
// or the location switches it off) existing connections stop push; their data stays; a sync-status event says why.
// Enabling the feature again resumes them.

const BOTH: Feature[] = ['OUTLOOK_CALENDAR', 'GOOGLE_CALENDAR'];

describe('connections after a downgrade', () => {
  const s = useEmulatedService();

  afterEach(async () => {
    for (const plan of ['STARTER', 'FREELANCER', 'AGENCY_PRO'] as PlanCode[]) await s.t.gql(SetPlanFeaturesDocument, { plan, features: BOTH }, s.t.serviceToken);
  });

  /** A Starter agency whose userA has Google and Outlook connected in location A, both pushed, and a status subscriber. */
  async function setUp() {
    const w = await newTenant(s.ds(), 'STARTER');
    const google = s.emu.google.addAccount({ email: uniqueEmail('down', 'gmail.test'), calendars: [{ summary: 'Side' }] });
    const outlook = s.emu.microsoft.addAccount({ email: uniqueEmail('down', 'contoso-down.test') });
    const gc = await s.flow.connected(w.userA, w.locA, 'GOOGLE', google.email);
    const oc = await s.flow.connected(w.userA, w.locA, 'OUTLOOK', outlook.userPrincipalName);
    // Both default calendars selected (Google's was the first; Outlook's is added).
    const both = [gc.calendars.find((c) => c.isDefault)!.id, oc.calendars.find((c) => c.isDefault)!.id];
    expect((await s.t.gql(UpdateCalendarConfigurationDocument, { input: { locationId: w.locA, conflictCalendarIds: both } }, s.t.tokenFor(w.userA))).errors).toBeUndefined();
    const client = wsClient(s.t.wsUrl, s.t.tokenFor(w.userA));
    s.clients.push(client);
    const status = subscribe(client, SyncStatusChangedDocument, { locationId: w.locA });
    await untilLive(status, () => s.t.gql(ResyncConnectionDocument, { connectionId: gc.id }, s.t.tokenFor(w.userA)));
    await s.t.app.whenIdle();
    const googlePush = () => [...s.emu.google.push.channels.values()].filter((c) => c.sub === google.sub && !c.stopped).length;
    const outlookPush = () => [...s.emu.microsoft.state.subscriptions.values()].filter((sub) => sub.accountId === outlook.id).length;
    expect([googlePush(), outlookPush()]).toEqual([1, 1]);
    return { w, gc, oc, status, googlePush, outlookPush };
  }

  const connectionRow = async (id: string) => (await s.ds().query(`SELECT status, last_error FROM connections WHERE id = $1`, [id]))[0] as { status: string; last_error: string | null };

  test('the plan loses the feature: push stops, data stays, an event says why; the feature back resumes push', async () => {
    const { w, gc, oc, status, googlePush, outlookPush } = await setUp();
    const calendarsBefore = await scalar(s.ds(), `SELECT count(*) FROM provider_calendars WHERE connection_id = $1`, [gc.id]);

    expect((await s.t.gql(SetPlanFeaturesDocument, { plan: 'STARTER', features: ['OUTLOOK_CALENDAR'] }, s.t.serviceToken)).errors).toBeUndefined();
    const stopped = await nextWhere(status, (e) => e.data?.syncStatusChanged.connection.id === gc.id && e.data.syncStatusChanged.connection.lastError !== null);
    await s.t.app.whenIdle();
    expect(stopped.data!.syncStatusChanged.connection.lastError).toMatch(/Google Calendar Integration is no longer enabled/);
    expect(googlePush()).toBe(0);
    expect(await scalar(s.ds(), `SELECT count(*) FROM push_channels WHERE connection_id = $1`, [gc.id])).toBe(0);
    // Outlook is untouched; Google's data and selection stay.
    expect(outlookPush()).toBe(1);
    expect((await connectionRow(oc.id)).last_error).toBeNull();
    expect(await scalar(s.ds(), `SELECT count(*) FROM provider_calendars WHERE connection_id = $1`, [gc.id])).toBe(calendarsBefore);
    const cfg = (await s.t.gql(CalendarConfigurationDocument, { locationId: w.locA }, s.t.tokenFor(w.userA))).data!.calendarConfiguration;
    expect(cfg.conflictCalendars.map((c) => c.provider).sort()).toEqual(['GOOGLE', 'OUTLOOK']);

    // Neither a resync nor a new selection starts push for it, and the reason stays visible.
    const resynced = await s.t.gql(ResyncConnectionDocument, { connectionId: gc.id }, s.t.tokenFor(w.userA));
    expect(resynced.data?.resyncConnection.lastError).toMatch(/no longer enabled/);
    const side = gc.calendars.find((c) => c.name === 'Side')!.id;
    expect((await s.t.gql(UpdateCalendarConfigurationDocument, { input: { locationId: w.locA, conflictCalendarIds: [...cfg.conflictCalendars.map((c) => c.id), side] } }, s.t.tokenFor(w.userA))).errors).toBeUndefined();
    await s.t.app.whenIdle();
    expect(googlePush()).toBe(0);

    // The feature is back: push resumes for the selected calendars, the reason is cleared.
    expect((await s.t.gql(SetPlanFeaturesDocument, { plan: 'STARTER', features: BOTH }, s.t.serviceToken)).errors).toBeUndefined();
    const resumed = await nextWhere(status, (e) => e.data?.syncStatusChanged.connection.id === gc.id && e.data.syncStatusChanged.connection.lastError === null);
    await s.t.app.whenIdle();
    expect(resumed.data!.syncStatusChanged.connection.status).toBe('ACTIVE');
    expect(googlePush()).toBe(2);
    expect((await connectionRow(gc.id)).last_error).toBeNull();
  });

  test('the agency moves to a plan without the feature, and the location switch: the same', async () => {
    const { w, gc, oc, status, googlePush, outlookPush } = await setUp();
    expect((await s.t.gql(SetPlanFeaturesDocument, { plan: 'FREELANCER', features: ['GOOGLE_CALENDAR'] }, s.t.serviceToken)).errors).toBeUndefined();
    expect((await s.t.gql(SetAgencyPlanDocument, { agencyId: w.agencyId, plan: 'FREELANCER' }, s.t.serviceToken)).errors).toBeUndefined();
    const stopped = await nextWhere(status, (e) => e.data?.syncStatusChanged.connection.id === oc.id && e.data.syncStatusChanged.connection.lastError !== null);
    await s.t.app.whenIdle();
    expect(stopped.data!.syncStatusChanged.connection.lastError).toMatch(/Outlook Integration is no longer enabled/);
    expect([googlePush(), outlookPush()]).toEqual([1, 0]);

    expect((await s.t.gql(SetAgencyPlanDocument, { agencyId: w.agencyId, plan: 'AGENCY_PRO' }, s.t.serviceToken)).errors).toBeUndefined();
    await nextWhere(status, (e) => e.data?.syncStatusChanged.connection.id === oc.id && e.data.syncStatusChanged.connection.lastError === null);
    await s.t.app.whenIdle();
    expect([googlePush(), outlookPush()]).toEqual([1, 1]);

    // The location switch, by the agency admin.
    expect((await s.t.gql(SetLocationFeatureDocument, { locationId: w.locA, feature: 'GOOGLE_CALENDAR', enabled: false }, s.t.tokenFor(w.agencyAdmin))).errors).toBeUndefined();
    await nextWhere(status, (e) => e.data?.syncStatusChanged.connection.id === gc.id && e.data.syncStatusChanged.connection.lastError !== null);
    await s.t.app.whenIdle();
    expect([googlePush(), outlookPush()]).toEqual([0, 1]);
    // Switching it off again changes nothing more.
    expect((await s.t.gql(SetLocationFeatureDocument, { locationId: w.locA, feature: 'GOOGLE_CALENDAR', enabled: false }, s.t.tokenFor(w.agencyAdmin))).errors).toBeUndefined();
    await s.t.app.whenIdle();
    expect([googlePush(), outlookPush()]).toEqual([0, 1]);
    expect((await s.t.gql(SetLocationFeatureDocument, { locationId: w.locA, feature: 'GOOGLE_CALENDAR', enabled: true }, s.t.tokenFor(w.agencyAdmin))).errors).toBeUndefined();
    await nextWhere(status, (e) => e.data?.syncStatusChanged.connection.id === gc.id && e.data.syncStatusChanged.connection.lastError === null);
    await s.t.app.whenIdle();
    expect([googlePush(), outlookPush()]).toEqual([1, 1]);
  });
});
