import { ConflictsPayload } from '../../src/realtime/pubsub';
import { CalendarConfigurationDocument, ConflictsChangedDocument, ConnectionsDocument, DeactivateUserDocument, UpdateCalendarConfigurationDocument } from '../generated/graphql';
import { emailOf, httpGet, newTenant, scalar, uniqueEmail } from '../support/connect-flow';
import { useEmulatedService } from '../support/emulated-service';
import { insertAgency, insertLocation, insertUser } from '../support/fixtures';
import { codeOf } from '../support/test-app';
import { subscribe, untilLive, wsClient } from '../support/ws-client';

// PRODUCT.md: an agency admin counts as a member of every location of their agency, so they connect their own
// accounts in any of them without being added to it; an agency admin of another agency does not even see it.

describe('agency admins connect their own accounts in every location of their agency', () => {
  const s = useEmulatedService();

  const addedTo = (userId: string) => scalar(s.ds(), `SELECT count(*) FROM location_members WHERE user_id = $1`, [userId]);

  test('through completeConnection: connected, listed, and configurable in a location they were never added to', async () => {
    const w = await newTenant(s.ds());
    expect(await addedTo(w.agencyAdmin)).toBe(0);
    const account = s.emu.google.addAccount({ email: uniqueEmail('agency.admin', 'gmail.test') });

    const conn = await s.flow.connected(w.agencyAdmin, w.locA, 'GOOGLE', account.email);
    expect(conn).toMatchObject({ provider: 'GOOGLE', accountEmail: account.email, status: 'ACTIVE', user: { id: w.agencyAdmin }, location: { id: w.locA } });

    const as = s.t.tokenFor(w.agencyAdmin);
    const listed = await s.t.gql(ConnectionsDocument, { locationId: w.locA }, as);
    expect(listed.data?.connections.map((c) => c.id)).toEqual([conn.id]);
    // Their default calendar protects their availability there at once, and they choose where appointments go.
    const defaultCal = conn.calendars.find((c) => c.isDefault)!;
    const cfg = await s.t.gql(CalendarConfigurationDocument, { locationId: w.locA }, as);
    expect(cfg.data?.calendarConfiguration.conflictCalendars.map((c) => c.id)).toEqual([defaultCal.id]);
    const linked = await s.t.gql(UpdateCalendarConfigurationDocument, { input: { locationId: w.locA, linkedCalendarId: defaultCal.id, conflictCalendarIds: [] } }, as);
    expect(linked.errors).toBeUndefined();
    expect(linked.data?.updateCalendarConfiguration.linkedCalendar?.id).toBe(defaultCal.id);
    // The other location of the agency is theirs too, and untouched.
    expect((await s.t.gql(ConnectionsDocument, { locationId: w.locB }, as)).data?.connections).toEqual([]);
  });

  test('through the browser callback (their own email): connected at once', async () => {
    const w = await newTenant(s.ds());
    const own = await emailOf(s.ds(), w.agencyAdmin);
    s.emu.google.addAccount({ email: own });
    const a = await s.flow.authorize(w.agencyAdmin, w.locB, 'GOOGLE', own);
    const page = await httpGet(`${s.t.url.replace(/\/graphql$/, '')}${new URL(a.callbackUrl).pathname}${new URL(a.callbackUrl).search}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain(`Connected ${own}`);
    expect(await scalar(s.ds(), `SELECT count(*) FROM connections WHERE user_id = $1 AND location_id = $2`, [w.agencyAdmin, w.locB])).toBe(1);
  });

  test('an agency admin of another agency cannot: the location is not theirs to see', async () => {
    const w = await newTenant(s.ds());
    const otherAgency = await insertAgency(s.ds());
    await insertLocation(s.ds(), otherAgency);
    const stranger = await insertUser(s.ds(), otherAgency, 'AGENCY', 'ADMIN');
    expect(codeOf(await s.flow.start(stranger, w.locA, 'GOOGLE'))).toBe('NOT_FOUND');
    // Nor can an agency user who was not added to the location: only admins count as members everywhere.
    const agencyUser = await insertUser(s.ds(), w.agencyId, 'AGENCY', 'USER', [w.locB]);
    expect(codeOf(await s.flow.start(agencyUser, w.locA, 'GOOGLE'))).toBe('NOT_FOUND');
    expect(await scalar(s.ds(), `SELECT count(*) FROM oauth_states WHERE location_id = $1`, [w.locA])).toBe(0);
  });

  test('deactivating the agency admin disconnects what they connected there', async () => {
    const w = await newTenant(s.ds());
    const account = s.emu.google.addAccount({ email: uniqueEmail('leaver', 'gmail.test') });
    await s.flow.connected(w.agencyAdmin, w.locA, 'GOOGLE', account.email);
    const otherAdmin = await insertUser(s.ds(), w.agencyId, 'AGENCY', 'ADMIN');
    const r = await s.t.gql(DeactivateUserDocument, { userId: w.agencyAdmin }, s.t.tokenFor(otherAdmin));
    expect(r.data?.deactivateUser.active).toBe(false);
    expect(await scalar(s.ds(), `SELECT count(*) FROM connections WHERE user_id = $1`, [w.agencyAdmin])).toBe(0);
  });

  test('they follow their own availability in a location they were never added to (conflictsChanged with their userId)', async () => {
    const w = await newTenant(s.ds());
    const client = wsClient(s.t.wsUrl, s.t.tokenFor(w.agencyAdmin));
    try {
      const sub = subscribe(client, ConflictsChangedDocument, { locationId: w.locB, userId: w.agencyAdmin });
      const payload: ConflictsPayload = { locationId: w.locB, userId: w.agencyAdmin, from: '2030-01-01T09:00:00.000Z', to: '2030-01-01T10:00:00.000Z' };
      const first = await untilLive(sub, async () => {
        s.t.app.services.pubsub.publish('conflicts', w.locB, payload);
        await s.ds().query('SELECT 1');
      });
      expect(first.errors).toBeUndefined();
      expect(first.data?.conflictsChanged).toMatchObject({ userId: w.agencyAdmin, locationId: w.locB });
      sub.dispose();
    } finally {
      await client.dispose();
    }
  });
});
