import { CalendarConfigurationDocument, ConflictsChangedDocument, ConnectionsDocument, UpdateCalendarConfigurationDocument, UpdateCalendarConfigurationInput } from '../generated/graphql';
import { newTenant, uniqueEmail } from '../support/connect-flow';
import { useEmulatedService } from '../support/emulated-service';
import { codeOf, GqlResult } from '../support/test-app';
import { googleEvent, hourFromNow, plusMinutes } from '../support/provider-events';
import { nextWhere, primeConflicts, subscribe, untilLive, wsClient } from '../support/ws-client';

// The connections and calendarConfiguration queries, and updateCalendarConfiguration's rules and input semantics.

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

describe('connections and calendar configuration', () => {
  const s = useEmulatedService();

  /**
   * userA has Outlook (default "Calendar", "Team Calendar", a colleague's calendar shared read-only) and
   * Google (primary, "Side", a read-only "Holidays") in location A; userA2 has Google in A; userAB has Google in B.
   */
  async function world() {
    const w = await newTenant(s.ds());
    const outlook = s.emu.microsoft.addAccount({ email: uniqueEmail('cfg', 'contoso-cfg.test'), calendars: ['Team Calendar'] });
    const colleague = s.emu.microsoft.addAccount({ email: uniqueEmail('colleague', 'contoso-cfg.test') });
    const shared = s.emu.microsoft.state.addCalendar(colleague.id, 'Colleague (read)');
    s.emu.microsoft.state.shareCalendar(shared.id, outlook.id, 'reader');
    const google = s.emu.google.addAccount({ email: uniqueEmail('cfg', 'gmail.test'), calendars: [{ summary: 'Side' }, { summary: 'Holidays', accessRole: 'reader' }] });
    const oc = await s.flow.connected(w.userA, w.locA, 'OUTLOOK', outlook.userPrincipalName);
    const gc = await s.flow.connected(w.userA, w.locA, 'GOOGLE', google.email);
    const a2 = await s.flow.connected(w.userA2, w.locA, 'GOOGLE', s.emu.google.addAccount({ email: uniqueEmail('a2', 'gmail.test') }).email);
    const ab = await s.flow.connected(w.userAB, w.locB, 'GOOGLE', s.emu.google.addAccount({ email: uniqueEmail('ab', 'gmail.test') }).email);
    const byName = (c: typeof oc, name: string) => c.calendars.find((x) => x.name === name)!.id;
    // Push is set up by jobs after each connect.
    await s.t.app.whenIdle();
    return {
      w,
      outlook,
      google,
      oc,
      gc,
      cal: {
        outlookDefault: oc.calendars.find((c) => c.isDefault)!.id,
        team: byName(oc, 'Team Calendar'),
        colleague: byName(oc, 'Colleague (read)'),
        googlePrimary: gc.calendars.find((c) => c.isDefault)!.id,
        side: byName(gc, 'Side'),
        holidays: byName(gc, 'Holidays'),
        ofA2: a2.calendars[0].id,
        ofABinB: ab.calendars[0].id,
      },
    };
  }

  const update = (viewer: string, input: UpdateCalendarConfigurationInput) => s.t.gql(UpdateCalendarConfigurationDocument, { input }, s.t.tokenFor(viewer));
  const config = async (viewer: string, locationId: string, userId?: string) => {
    const r = await s.t.gql(CalendarConfigurationDocument, { locationId, userId }, s.t.tokenFor(viewer));
    expect(r.errors).toBeUndefined();
    return r.data!.calendarConfiguration;
  };
  function ok<R>(r: GqlResult<R>): R {
    expect(r.errors).toBeUndefined();
    return r.data!;
  }
  const ids = (list: Array<{ id: string }>) => list.map((c) => c.id).sort();
  const badField = (r: GqlResult<unknown>) => ({ code: codeOf(r), field: r.errors?.[0]?.extensions?.field });

  describe('queries', () => {
    test('connections: the owner and the admins of the location see them; other users may not', async () => {
      const { w, oc, gc } = await world();
      const mine = ok(await s.t.gql(ConnectionsDocument, { locationId: w.locA }, s.t.tokenFor(w.userA))).connections;
      expect(mine.map((c) => [c.id, c.provider, c.accountEmail, c.status])).toEqual([
        [oc.id, 'OUTLOOK', oc.accountEmail, 'ACTIVE'],
        [gc.id, 'GOOGLE', gc.accountEmail, 'ACTIVE'],
      ]);
      for (const admin of [w.accountAdminA, w.agencyAdmin]) {
        expect(ok(await s.t.gql(ConnectionsDocument, { locationId: w.locA, userId: w.userA }, s.t.tokenFor(admin))).connections.map((c) => c.id)).toEqual([oc.id, gc.id]);
      }
      expect(ok(await s.t.gql(ConnectionsDocument, { locationId: w.locA, userId: w.userA }, s.t.serviceToken)).connections).toHaveLength(2);
      expect(codeOf(await s.t.gql(ConnectionsDocument, { locationId: w.locA, userId: w.userA }, s.t.tokenFor(w.userA2)))).toBe('FORBIDDEN');
      // Location B is invisible to userA; an unknown location is NOT_FOUND too.
      expect(codeOf(await s.t.gql(ConnectionsDocument, { locationId: w.locB }, s.t.tokenFor(w.userA)))).toBe('NOT_FOUND');
      expect(codeOf(await s.t.gql(ConnectionsDocument, { locationId: UNKNOWN_ID }, s.t.tokenFor(w.userA)))).toBe('NOT_FOUND');
      // userB is not visible to userA's admin of location A.
      expect(badField(await s.t.gql(ConnectionsDocument, { locationId: w.locA, userId: w.userB }, s.t.tokenFor(w.accountAdminA)))).toEqual({ code: 'BAD_USER_INPUT', field: 'userId' });
      // Each location lists its own connections only.
      expect(ok(await s.t.gql(ConnectionsDocument, { locationId: w.locA }, s.t.tokenFor(w.userAB))).connections).toEqual([]);
      expect(ok(await s.t.gql(ConnectionsDocument, { locationId: w.locB }, s.t.tokenFor(w.userAB))).connections).toHaveLength(1);
    });

    test('calendarConfiguration: defaults for a user without connections; readable by admins, not by other users', async () => {
      const w = await newTenant(s.ds());
      const cfg = await config(w.userA, w.locA);
      expect(cfg).toEqual({ user: { id: w.userA }, location: { id: w.locA }, linkedCalendar: null, conflictCalendars: [], hideEventDetails: false, syncDirection: 'TWO_WAY' });
      expect((await config(w.accountAdminA, w.locA, w.userA)).user.id).toBe(w.userA);
      expect((await config(w.agencyAdmin, w.locA, w.userA)).user.id).toBe(w.userA);
      expect(codeOf(await s.t.gql(CalendarConfigurationDocument, { locationId: w.locA, userId: w.userA }, s.t.tokenFor(w.userA2)))).toBe('FORBIDDEN');
      expect(codeOf(await s.t.gql(CalendarConfigurationDocument, { locationId: w.locB }, s.t.tokenFor(w.userA)))).toBe('NOT_FOUND');
    });
  });

  describe('updateCalendarConfiguration', () => {
    test('linked calendar: own and writable; the linked calendar is always a conflict calendar; Google and Outlook mixed', async () => {
      const { w, cal } = await world();
      const cfg = ok(await update(w.userA, { locationId: w.locA, linkedCalendarId: cal.team, conflictCalendarIds: [cal.googlePrimary, cal.holidays] })).updateCalendarConfiguration;
      expect(cfg.linkedCalendar).toMatchObject({ id: cal.team, provider: 'OUTLOOK', canWrite: true });
      expect(ids(cfg.conflictCalendars)).toEqual([cal.team, cal.googlePrimary, cal.holidays].sort());
      expect(new Set(cfg.conflictCalendars.map((c) => c.provider))).toEqual(new Set(['OUTLOOK', 'GOOGLE']));
      // The stored state is what the query reads.
      expect(await config(w.userA, w.locA)).toEqual(cfg);

      // Only one linked calendar: switching to Google unlinks Outlook (it stays a conflict calendar only if listed).
      const switched = ok(await update(w.userA, { locationId: w.locA, linkedCalendarId: cal.side, conflictCalendarIds: [] })).updateCalendarConfiguration;
      expect(switched.linkedCalendar?.id).toBe(cal.side);
      expect(ids(switched.conflictCalendars)).toEqual([cal.side]);
    });

    test("the user's own read-only calendar as linked calendar → CALENDAR_NOT_WRITABLE, and nothing changes", async () => {
      const { w, cal } = await world();
      ok(await update(w.userA, { locationId: w.locA, linkedCalendarId: cal.team, conflictCalendarIds: [cal.side] }));
      const before = await config(w.userA, w.locA);
      for (const readOnly of [cal.colleague, cal.holidays]) {
        const r = await update(w.userA, { locationId: w.locA, linkedCalendarId: readOnly, conflictCalendarIds: [] });
        expect(codeOf(r)).toBe('CALENDAR_NOT_WRITABLE');
      }
      expect(await config(w.userA, w.locA)).toEqual(before);
      // A read-only calendar is fine as a conflict calendar.
      const cfg = ok(await update(w.userA, { locationId: w.locA, conflictCalendarIds: [cal.colleague, cal.holidays] })).updateCalendarConfiguration;
      expect(ids(cfg.conflictCalendars)).toEqual([cal.colleague, cal.holidays, cal.team].sort());
    });

    test('a calendar id that is not one of the user’s calendars there → BAD_USER_INPUT naming the field', async () => {
      const { w, cal } = await world();
      const before = await config(w.userA, w.locA);
      for (const foreign of [cal.ofA2, cal.ofABinB, UNKNOWN_ID, 'not-a-uuid', '']) {
        expect(badField(await update(w.userA, { locationId: w.locA, linkedCalendarId: foreign, conflictCalendarIds: [] }))).toEqual({ code: 'BAD_USER_INPUT', field: 'linkedCalendarId' });
        expect(badField(await update(w.userA, { locationId: w.locA, conflictCalendarIds: [cal.side, foreign] }))).toEqual({ code: 'BAD_USER_INPUT', field: 'conflictCalendarIds' });
      }
      // userAB's own calendar of location B cannot be used in location A.
      expect(badField(await update(w.userAB, { locationId: w.locA, conflictCalendarIds: [cal.ofABinB] }))).toEqual({ code: 'BAD_USER_INPUT', field: 'conflictCalendarIds' });
      // An admin configuring userA cannot pick another member's calendar either.
      expect(badField(await update(w.accountAdminA, { locationId: w.locA, userId: w.userA, conflictCalendarIds: [cal.ofA2] }))).toEqual({ code: 'BAD_USER_INPUT', field: 'conflictCalendarIds' });
      expect(await config(w.userA, w.locA)).toEqual(before);
    });

    test('input semantics: linkedCalendarId absent = unchanged, null = unlinked; conflictCalendarIds replaces; flags absent = unchanged', async () => {
      const { w, cal } = await world();
      const step1 = ok(await update(w.userA, { locationId: w.locA, linkedCalendarId: cal.outlookDefault, conflictCalendarIds: [cal.side], hideEventDetails: true, syncDirection: 'ONE_WAY' }))
        .updateCalendarConfiguration;
      expect(step1).toMatchObject({ linkedCalendar: { id: cal.outlookDefault }, hideEventDetails: true, syncDirection: 'ONE_WAY' });
      expect(ids(step1.conflictCalendars)).toEqual([cal.outlookDefault, cal.side].sort());

      // Absent: linked and flags unchanged; the list is replaced (the linked calendar stays in it).
      const step2 = ok(await update(w.userA, { locationId: w.locA, conflictCalendarIds: [cal.googlePrimary] })).updateCalendarConfiguration;
      expect(step2).toMatchObject({ linkedCalendar: { id: cal.outlookDefault }, hideEventDetails: true, syncDirection: 'ONE_WAY' });
      expect(ids(step2.conflictCalendars)).toEqual([cal.outlookDefault, cal.googlePrimary].sort());

      // Explicit null: no linked calendar; the former linked calendar leaves the list unless named.
      const step3 = ok(await update(w.userA, { locationId: w.locA, linkedCalendarId: null, conflictCalendarIds: [cal.googlePrimary], hideEventDetails: false })).updateCalendarConfiguration;
      expect(step3).toMatchObject({ linkedCalendar: null, hideEventDetails: false, syncDirection: 'ONE_WAY' });
      expect(ids(step3.conflictCalendars)).toEqual([cal.googlePrimary]);

      // Empty list, TWO_WAY again; duplicates are harmless.
      const step4 = ok(await update(w.userA, { locationId: w.locA, conflictCalendarIds: [], syncDirection: 'TWO_WAY' })).updateCalendarConfiguration;
      expect(step4).toMatchObject({ linkedCalendar: null, conflictCalendars: [], hideEventDetails: false, syncDirection: 'TWO_WAY' });
      const step5 = ok(await update(w.userA, { locationId: w.locA, conflictCalendarIds: [cal.side, cal.side] })).updateCalendarConfiguration;
      expect(ids(step5.conflictCalendars)).toEqual([cal.side]);
    });

    test('a user without any configuration yet gets the defaults for absent fields', async () => {
      const w = await newTenant(s.ds());
      const cfg = ok(await update(w.userA, { locationId: w.locA, conflictCalendarIds: [] })).updateCalendarConfiguration;
      expect(cfg).toMatchObject({ linkedCalendar: null, conflictCalendars: [], hideEventDetails: false, syncDirection: 'TWO_WAY' });
      const hidden = ok(await update(w.userA, { locationId: w.locA, conflictCalendarIds: [], hideEventDetails: true })).updateCalendarConfiguration;
      expect(hidden).toMatchObject({ hideEventDetails: true, syncDirection: 'TWO_WAY' });
    });

    test('users configure themselves; account and agency admins configure members of their locations; an account user configuring another user → FORBIDDEN', async () => {
      const { w, cal } = await world();
      const byAdmin = ok(await update(w.accountAdminA, { locationId: w.locA, userId: w.userA, linkedCalendarId: cal.team, conflictCalendarIds: [] })).updateCalendarConfiguration;
      expect(byAdmin).toMatchObject({ user: { id: w.userA }, linkedCalendar: { id: cal.team } });
      const byAgencyAdmin = ok(await update(w.agencyAdmin, { locationId: w.locA, userId: w.userA, conflictCalendarIds: [cal.side], hideEventDetails: true })).updateCalendarConfiguration;
      expect(byAgencyAdmin).toMatchObject({ user: { id: w.userA }, linkedCalendar: { id: cal.team }, hideEventDetails: true });
      const before = await config(w.userA, w.locA);

      expect(codeOf(await update(w.userA2, { locationId: w.locA, userId: w.userA, conflictCalendarIds: [] }))).toBe('FORBIDDEN');
      // Someone the viewer cannot see, or who is not a member of the location.
      expect(badField(await update(w.accountAdminA, { locationId: w.locA, userId: w.userB, conflictCalendarIds: [] }))).toEqual({ code: 'BAD_USER_INPUT', field: 'userId' });
      expect(badField(await update(w.agencyAdmin, { locationId: w.locA, userId: w.userB, conflictCalendarIds: [] }))).toEqual({ code: 'BAD_USER_INPUT', field: 'userId' });
      // A location the admin does not manage.
      expect(codeOf(await update(w.accountAdminA, { locationId: w.locB, userId: w.userAB, conflictCalendarIds: [] }))).toBe('NOT_FOUND');
      expect(codeOf(await update(w.userA, { locationId: UNKNOWN_ID, conflictCalendarIds: [] }))).toBe('NOT_FOUND');
      expect(await config(w.userA, w.locA)).toEqual(before);
      // The agency admin configures a member of location B.
      expect(ok(await update(w.agencyAdmin, { locationId: w.locB, userId: w.userAB, conflictCalendarIds: [cal.ofABinB] })).updateCalendarConfiguration.conflictCalendars.map((c) => c.id)).toEqual([cal.ofABinB]);
    });

    test('a configuration change announces exactly the blocking time it changed over graphql-ws (conflictsChanged)', async () => {
      const { w, cal, google } = await world();
      const start = hourFromNow(3);
      const end = plusMinutes(start, 45);
      googleEvent(s.emu, google.email, { title: 'Dentist', start, end });
      googleEvent(s.emu, google.email, { title: 'Lunch (free)', start: plusMinutes(start, 120), end: plusMinutes(start, 180), free: true });
      const client = wsClient(s.t.wsUrl, s.t.tokenFor(w.accountAdminA));
      try {
        // Every user of the location; primed with an event of userA2, so userA's events are told apart by their user.
        const sub = subscribe(client, ConflictsChangedDocument, { locationId: w.locA });
        const primer = { locationId: w.locA, userId: w.userA2, from: start.toISOString(), to: end.toISOString() };
        await untilLive(sub, () => primeConflicts(s.t, w.locA, primer));
        const next = async () => (await nextWhere(sub, (x) => x.data?.conflictsChanged.userId === w.userA)).data!.conflictsChanged;

        // Selecting the Google calendar syncs it; its busy event takes that time (the free one takes none).
        ok(await update(w.accountAdminA, { locationId: w.locA, userId: w.userA, conflictCalendarIds: [cal.googlePrimary] }));
        expect(await next()).toEqual({ userId: w.userA, locationId: w.locA, from: start.toISOString(), to: end.toISOString() });
        await s.t.app.whenIdle();
        // Deselecting it frees that time again (the Outlook default calendar was deselected too: it had no events).
        ok(await update(w.accountAdminA, { locationId: w.locA, userId: w.userA, conflictCalendarIds: [] }));
        expect(await next()).toEqual({ userId: w.userA, locationId: w.locA, from: start.toISOString(), to: end.toISOString() });
      } finally {
        await client.dispose();
      }
    });

    test('push follows the selection: newly selected calendars get a subscription or channel, deselected ones lose it', async () => {
      const { w, cal, outlook, google } = await world();
      const subsOf = () =>
        [...s.emu.microsoft.state.subscriptions.values()]
          .filter((sub) => sub.accountId === outlook.id)
          .map((sub) => s.emu.microsoft.state.calendars.get(sub.calendarId!)!.name)
          .sort();
      const channelsOf = () =>
        [...s.emu.google.push.channels.values()]
          .filter((c) => c.sub === google.sub && !c.stopped)
          .map((c) => s.emu.google.state.calendars.get(c.calendarId)!.summary)
          .sort();
      // After connecting: Outlook's default calendar was the first conflict calendar; Google's was not added.
      expect(subsOf()).toEqual(['Calendar']);
      expect(channelsOf()).toEqual([]);

      ok(await update(w.userA, { locationId: w.locA, linkedCalendarId: cal.team, conflictCalendarIds: [cal.side, cal.holidays] }));
      await s.t.app.whenIdle();
      expect(subsOf()).toEqual(['Team Calendar']);
      expect(channelsOf()).toEqual(['Holidays', 'Side']);
      const rows: Array<{ n: number }> = await s.ds().query(`SELECT count(*)::int AS n FROM push_channels WHERE connection_id = ANY($1)`, [[(await config(w.userA, w.locA)).linkedCalendar!.connection.id]]);
      expect(rows[0].n).toBe(1);

      ok(await update(w.userA, { locationId: w.locA, linkedCalendarId: null, conflictCalendarIds: [] }));
      await s.t.app.whenIdle();
      expect(subsOf()).toEqual([]);
      expect(channelsOf()).toEqual([]);
    });
  });
});
