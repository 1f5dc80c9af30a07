import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import { CalendarConfigurationDocument, ConflictsChangedDocument, Provider, SyncStatusChangedDocument, UpdateCalendarConfigurationDocument } from '../generated/graphql';
import { newTenant, scalar, uniqueEmail } from '../support/connect-flow';
import { useEmulatedService } from '../support/emulated-service';
import { googleEvent, hourFromNow, outlookEvent, plusMinutes } from '../support/provider-events';
import { nextWhere, primeConflicts, subscribe, untilLive, wsClient } from '../support/ws-client';

// The calendar list follows the provider (at every full sync, on resync, and when the provider no longer
// finds a calendar): a calendar deleted (or unshared) at the provider leaves the selections with its events,
// losing write access unlinks the linked calendar; a sync-status event says why, conflictsChanged covers
// the time it freed.

// The connection's calendars, as a client showing them would subscribe.
const StatusWithCalendars = parse(`
  subscription StatusWithCalendars($locationId: ID!) {
    syncStatusChanged(locationId: $locationId) { connection { id status lastError calendars { id name canWrite access } } }
  }`) as TypedDocumentNode<
  { syncStatusChanged: { connection: { id: string; status: string; lastError: string | null; calendars: Array<{ id: string; name: string; canWrite: boolean; access: string }> } } },
  { locationId: string }
>;

describe('calendar list refresh', () => {
  // Every full sync refreshes the list (however recently it was listed).
  const s = useEmulatedService({ app: { sync: { listFreshSeconds: 0 } } });

  /** A colleague's calendar "Project" shared with userA's account (writer), with one busy event, selected as linked calendar. */
  async function world(provider: Provider) {
    const w = await newTenant(s.ds());
    const start = hourFromNow(2, 15);
    const meeting = { title: 'Project sync', start, end: plusMinutes(start, 30) };
    let login: string;
    let unshare: () => void;
    let readOnly: () => void;
    if (provider === 'OUTLOOK') {
      const me = s.emu.microsoft.addAccount({ email: uniqueEmail('list', 'contoso-list2.test') });
      const colleague = s.emu.microsoft.addAccount({ email: uniqueEmail('colleague', 'contoso-list2.test') });
      const project = s.emu.microsoft.state.addCalendar(colleague.id, 'Project');
      s.emu.microsoft.state.shareCalendar(project.id, me.id, 'writer');
      outlookEvent(s.emu, project.id, meeting);
      login = me.userPrincipalName;
      unshare = () => void s.emu.microsoft.state.calendars.get(project.id)!.shares.delete(me.id);
      readOnly = () => s.emu.microsoft.state.shareCalendar(project.id, me.id, 'reader');
    } else {
      const me = s.emu.google.addAccount({ email: uniqueEmail('list', 'gmail.test') });
      const colleague = s.emu.google.addAccount({ email: uniqueEmail('colleague', 'gmail.test'), calendars: [{ summary: 'Project' }] });
      const project = [...colleague.calendars.values()].find((c) => s.emu.google.state.calendars.get(c.calendarId)!.summary === 'Project')!.calendarId;
      s.emu.google.state.shareCalendar(project, me.email, 'writer');
      googleEvent(s.emu, project, meeting);
      login = me.email;
      unshare = () => void s.emu.google.state.account(me.email).calendars.delete(project);
      readOnly = () => s.emu.google.state.shareCalendar(project, me.email, 'reader');
    }
    const conn = await s.flow.connected(w.userA, w.locA, provider, login);
    const project = conn.calendars.find((c) => c.name === 'Project')!;
    const def = conn.calendars.find((c) => c.isDefault)!;
    const upd = await s.t.gql(UpdateCalendarConfigurationDocument, { input: { locationId: w.locA, linkedCalendarId: project.id, conflictCalendarIds: [def.id] } }, s.t.tokenFor(w.userA));
    expect(upd.errors).toBeUndefined();
    await s.t.app.whenIdle();
    expect(await scalar(s.ds(), `SELECT count(*) FROM external_events WHERE provider_calendar_id = $1`, [project.id])).toBe(1);

    const client = wsClient(s.t.wsUrl, s.t.tokenFor(w.userA));
    s.clients.push(client);
    const status = subscribe(client, SyncStatusChangedDocument, { locationId: w.locA });
    const conflicts = subscribe(client, ConflictsChangedDocument, { locationId: w.locA, userId: w.userA });
    const primer = { locationId: w.locA, userId: w.userA, from: new Date(0).toISOString(), to: new Date(1).toISOString() };
    await untilLive(conflicts, () => primeConflicts(s.t, w.locA, primer));
    await untilLive(status, () => s.t.app.services.sync.syncCalendars([def.id]));
    await s.t.app.whenIdle();
    return { w, conn, project, def, meeting, unshare, readOnly, status, conflicts, primer };
  }

  const config = async (viewer: string, locationId: string) => (await s.t.gql(CalendarConfigurationDocument, { locationId }, s.t.tokenFor(viewer))).data!.calendarConfiguration;

  test.each<Provider>(['OUTLOOK', 'GOOGLE'])('%s: a calendar gone at the provider leaves the selection with its events; an event says why; its time is announced free', async (provider) => {
    const { w, conn, project, def, meeting, unshare, status, conflicts, primer } = await world(provider);
    unshare();
    // Its next sync finds nothing at the provider: the calendar list is refreshed.
    await s.t.app.services.sync.syncCalendars([project.id]);
    await s.t.app.whenIdle();

    const cfg = await config(w.userA, w.locA);
    expect(cfg.linkedCalendar).toBeNull();
    expect(cfg.conflictCalendars.map((c) => c.id)).toEqual([def.id]);
    expect(await scalar(s.ds(), `SELECT count(*) FROM provider_calendars WHERE id = $1`, [project.id])).toBe(0);
    expect(await scalar(s.ds(), `SELECT count(*) FROM external_events e JOIN provider_calendars pc ON pc.id = e.provider_calendar_id WHERE pc.connection_id = $1`, [conn.id])).toBe(0);
    const why = await nextWhere(status, (e) => /no longer available/.test(e.data?.syncStatusChanged.connection.lastError ?? ''));
    expect(why.data!.syncStatusChanged.connection).toMatchObject({ id: conn.id, status: 'ACTIVE', lastError: expect.stringMatching(/"Project" is no longer available/) });
    const freed = await nextWhere(conflicts, (e) => e.data?.conflictsChanged.from !== primer.from);
    expect(freed.data!.conflictsChanged).toEqual({ userId: w.userA, locationId: w.locA, from: meeting.start.toISOString(), to: meeting.end.toISOString() });
  });

  test.each<Provider>(['OUTLOOK', 'GOOGLE'])('%s: losing write access unlinks the linked calendar at the next full sync; it still blocks time', async (provider) => {
    const { w, conn, project, def, readOnly, status } = await world(provider);
    readOnly();
    await s.t.app.services.sync.syncCalendars([def.id], { full: true });
    await s.t.app.whenIdle();

    const cfg = await config(w.userA, w.locA);
    expect(cfg.linkedCalendar).toBeNull();
    expect(cfg.conflictCalendars.map((c) => c.id).sort()).toEqual([def.id, project.id].sort());
    expect(await scalar(s.ds(), `SELECT count(*) FROM external_events WHERE provider_calendar_id = $1`, [project.id])).toBe(1);
    const why = await nextWhere(status, (e) => /unlinked/.test(e.data?.syncStatusChanged.connection.lastError ?? ''));
    expect(why.data!.syncStatusChanged.connection).toMatchObject({ id: conn.id, lastError: expect.stringMatching(/linked calendar "Project".*can no longer be written to/) });
  });

  test.each<Provider>(['OUTLOOK', 'GOOGLE'])('%s: a calendar new at the provider appears at the next full sync (not selected), and subscribers hear of it', async (provider) => {
    const w = await newTenant(s.ds());
    let login: string;
    let addCalendar: () => void;
    if (provider === 'OUTLOOK') {
      const me = s.emu.microsoft.addAccount({ email: uniqueEmail('newcal', 'contoso-list2.test') });
      login = me.userPrincipalName;
      addCalendar = () => void s.emu.microsoft.state.addCalendar(me.id, 'Brand new');
    } else {
      const me = s.emu.google.addAccount({ email: uniqueEmail('newcal', 'gmail.test') });
      const colleague = s.emu.google.addAccount({ email: uniqueEmail('newcal-colleague', 'gmail.test'), calendars: [{ summary: 'Brand new' }] });
      const shared = [...colleague.calendars.values()].find((c) => s.emu.google.state.calendars.get(c.calendarId)!.summary === 'Brand new')!.calendarId;
      login = me.email;
      addCalendar = () => s.emu.google.state.shareCalendar(shared, me.email, 'writer');
    }
    const conn = await s.flow.connected(w.userA, w.locA, provider, login);
    const def = conn.calendars.find((c) => c.isDefault)!;
    const client = wsClient(s.t.wsUrl, s.t.tokenFor(w.userA));
    s.clients.push(client);
    const status = subscribe(client, StatusWithCalendars, { locationId: w.locA });
    await untilLive(status, () => s.t.app.services.sync.syncCalendars([def.id]));
    await s.t.app.whenIdle();

    addCalendar();
    await s.t.app.services.sync.syncCalendars([def.id], { full: true });
    await s.t.app.whenIdle();

    const heard = await nextWhere(status, (e) => (e.data?.syncStatusChanged.connection.calendars ?? []).some((c) => c.name === 'Brand new'));
    expect(heard.data!.syncStatusChanged.connection).toMatchObject({ id: conn.id, status: 'ACTIVE', lastError: null });
    expect(heard.data!.syncStatusChanged.connection.calendars.find((c) => c.name === 'Brand new')).toMatchObject({ canWrite: true, access: 'WRITE' });
    const cfg = await config(w.userA, w.locA);
    expect(cfg.conflictCalendars.map((c) => c.id)).toEqual([def.id]);
    expect(await scalar(s.ds(), `SELECT count(*) FROM provider_calendars WHERE connection_id = $1 AND name = 'Brand new'`, [conn.id])).toBe(1);
  });
});
