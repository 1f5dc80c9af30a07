import { DisconnectDocument, ExternalEventsDocument, Provider, UpdateCalendarConfigurationDocument } from '../generated/graphql';
import { newTenant, scalar, uniqueEmail } from '../support/connect-flow';
import { useEmulatedService } from '../support/emulated-service';
import { googleEvent, hourFromNow, outlookEvent, plusMinutes, TestEvent } from '../support/provider-events';

// A selected calendar's events flow into calbridge: fully at connect, incrementally from the cursor
// afterwards (across pages), fully again when the cursor expires (ending exactly with the provider's events,
// the old ones kept until then), through a 401 in the middle of paging; a deselected calendar stops.

const PAGE_SIZE = 2;

/** One account at the emulator, with what a user does in Outlook or Google Calendar. */
interface Account {
  login: string;
  calendarId: string;
  create(e: TestEvent): string;
  update(id: string, e: Partial<TestEvent>): void;
  remove(id: string): void;
  expireCursor(): void;
  expireAccessToken(): void;
  /** Requests for this account's events (delta / events.list): "<status> <query string>". */
  eventReads(): string[];
}

describe('calendar sync', () => {
  // Every page its own write, so a test can look at the database between pages.
  const s = useEmulatedService({ app: { sync: { pageSize: PAGE_SIZE, writeBatchRows: 1 } } });

  afterEach(() => {
    s.t.app.services.syncServices.calendarSync.hooks.afterPage = undefined;
    s.t.app.services.syncServices.calendarSync.hooks.duringWrite = undefined;
  });

  function account(provider: Provider): Account {
    if (provider === 'OUTLOOK') {
      const a = s.emu.microsoft.addAccount({ email: uniqueEmail('sync', 'contoso-sync.test') });
      return {
        login: a.userPrincipalName,
        calendarId: a.defaultCalendarId,
        create: (e) => outlookEvent(s.emu, a.defaultCalendarId, e),
        update: (id, e) =>
          void s.emu.microsoft.state.updateEvent(id, {
            ...(e.title !== undefined ? { subject: e.title } : {}),
            ...(e.start ? { start: { dateTime: e.start.toISOString(), timeZone: 'UTC' } } : {}),
            ...(e.end ? { end: { dateTime: e.end.toISOString(), timeZone: 'UTC' } } : {}),
            ...(e.showAs ? { showAs: e.showAs } : {}),
          }),
        remove: (id) => void s.emu.microsoft.state.deleteEvent(id),
        expireCursor: () => s.emu.microsoft.state.expireDeltaTokens(a.id, a.defaultCalendarId),
        expireAccessToken: () => s.emu.microsoft.state.expireAccessTokens(a.id),
        eventReads: () => s.emu.microsoft.requestLog.list({ method: 'GET', path: /calendarView\/delta$/, account: a.userPrincipalName }).map((r) => `${r.status} ${r.query}`),
      };
    }
    const a = s.emu.google.addAccount({ email: uniqueEmail('sync', 'gmail.test') });
    return {
      login: a.email,
      calendarId: a.email,
      create: (e) => googleEvent(s.emu, a.email, e),
      update: (id, e) =>
        void s.emu.google.state.patchEvent(a.email, id, {
          ...(e.title !== undefined ? { summary: e.title } : {}),
          ...(e.start ? { start: { dateTime: e.start.toISOString() } } : {}),
          ...(e.end ? { end: { dateTime: e.end.toISOString() } } : {}),
          ...(e.free !== undefined ? { transparency: e.free ? 'transparent' : 'opaque' } : {}),
        }),
      remove: (id) => s.emu.google.state.deleteEvent(a.email, id),
      expireCursor: () => s.emu.google.state.expireSyncTokens(a.email),
      expireAccessToken: () => s.emu.google.state.expireAccessTokens(a.email),
      eventReads: () => s.emu.google.requestLog.entries.filter((r) => r.method === 'GET' && r.path.endsWith(`/calendars/${encodeURIComponent(a.email)}/events`)).map((r) => `${r.status} ${r.query}`),
    };
  }

  /** The user's events as externalEvents shows them, over the next 30 days. */
  async function shown(viewer: string, locationId: string) {
    const r = await s.t.gql(ExternalEventsDocument, { locationId, from: hourFromNow(-1, 0).toISOString(), to: hourFromNow(30, 0).toISOString() }, s.t.tokenFor(viewer));
    expect(r.errors).toBeUndefined();
    return r.data!.externalEvents;
  }
  const summary = (events: Awaited<ReturnType<typeof shown>>) => events.map((e) => `${e.title} ${e.startTime.slice(5, 16)}-${e.endTime.slice(11, 16)}`).sort();
  const expected = (events: TestEvent[]) => events.map((e) => `${e.title} ${e.start.toISOString().slice(5, 16)}-${e.end.toISOString().slice(11, 16)}`).sort();
  const event = (title: string, day: number, hour = 10, minutes = 60): TestEvent => ({ title, start: hourFromNow(day, hour), end: plusMinutes(hourFromNow(day, hour), minutes) });

  /** A connected account whose default calendar (the conflict calendar) holds these events, synced. */
  async function connectedWith(provider: Provider, events: TestEvent[]) {
    const w = await newTenant(s.ds());
    const acc = account(provider);
    const ids = events.map((e) => acc.create(e));
    const conn = await s.flow.connected(w.userA, w.locA, provider, acc.login);
    const calendar = conn.calendars.find((c) => c.isDefault)!;
    return { w, acc, ids, conn, calendar };
  }

  test.each<Provider>(['OUTLOOK', 'GOOGLE'])('%s: connecting syncs the default calendar at once; externalEvents shows its events, availability and whether they block', async (provider) => {
    const events = [event('Standup', 1, 9, 15), event('Client call', 2, 14), event('Lunch', 2, 12), event('Offsite', 5, 8, 480)];
    const { w, conn } = await connectedWith(provider, [...events.slice(0, 2), { ...events[2], showAs: 'free', free: true }, events[3]]);
    const listed = await shown(w.userA, w.locA);
    expect(summary(listed)).toEqual(expected(events));
    const lunch = listed.find((e) => e.title === 'Lunch')!;
    expect(lunch).toMatchObject({ availability: 'FREE', blocksAvailability: false, isAllDay: false });
    expect(listed.find((e) => e.title === 'Client call')).toMatchObject({ availability: 'BUSY', blocksAvailability: true });
    expect(listed[0].providerCalendar).toMatchObject({ provider, lastSyncedAt: expect.any(String), pushActive: true });
    const [row] = await s.ds().query(`SELECT sync_state, last_synced_at, last_error FROM connections WHERE id = $1`, [conn.id]);
    expect(row).toMatchObject({ sync_state: 'IDLE', last_error: null });
    expect(row.last_synced_at).not.toBeNull();
  });

  test.each<Provider>(['OUTLOOK', 'GOOGLE'])('%s: later changes arrive incrementally from the cursor, across several pages', async (provider) => {
    const [a, b, c] = [event('A', 1), event('B', 2), event('C', 3)];
    const { w, acc, ids, calendar } = await connectedWith(provider, [a, b, c]);
    const readsBefore = acc.eventReads().length;

    // A renamed, B moved, C deleted, D and E added: five changes, three pages of two.
    acc.update(ids[0], { title: 'A (renamed)' });
    const movedB = event('B', 4, 15);
    acc.update(ids[1], { start: movedB.start, end: movedB.end });
    acc.remove(ids[2]);
    const [d, e] = [event('D', 6), event('E', 7, 16, 30)];
    acc.create(d);
    acc.create(e);
    await s.t.app.services.sync.syncCalendars([calendar.id]);
    await s.t.app.whenIdle();

    expect(summary(await shown(w.userA, w.locA))).toEqual(expected([{ ...a, title: 'A (renamed)' }, movedB, d, e]));
    const reads = acc.eventReads().slice(readsBefore);
    expect(reads.length).toBeGreaterThanOrEqual(2);
    // Incremental: from the stored cursor (Graph deltatoken, then skiptokens; Google syncToken with pageTokens), never the window again.
    expect(reads.every((q) => (provider === 'OUTLOOK' ? /^200 \?\$(deltatoken|skiptoken)=/.test(q) : /^200 .*syncToken=/.test(q)))).toBe(true);
    expect(reads.some((q) => (provider === 'OUTLOOK' ? /\$skiptoken=/.test(q) : /pageToken=/.test(q)))).toBe(true);
  });

  test.each<Provider>(['OUTLOOK', 'GOOGLE'])('%s: an expired cursor leads to a full resync that ends exact, and the old events stay until it has read everything', async (provider) => {
    const events = [event('E1', 1), event('E2', 2), event('E3', 3), event('E4', 4), event('E5', 5)];
    const { w, acc, ids, calendar } = await connectedWith(provider, events);
    const readsBefore = acc.eventReads().length;
    // At the provider: E1 goes, E6 comes; and the cursor is no longer accepted.
    acc.remove(ids[0]);
    const e6 = event('E6', 6);
    acc.create(e6);
    acc.expireCursor();

    // Inside the full resync, after each of its pages: nothing the user had is missing yet (no gap).
    const during: string[][] = [];
    s.t.app.services.syncServices.calendarSync.hooks.afterPage = async (calendarId, page) => {
      if (calendarId === calendar.id && page.full) during.push(summary(await shown(w.userA, w.locA)));
    };
    await s.t.app.services.sync.syncCalendars([calendar.id]);
    await s.t.app.whenIdle();

    // The cursor was tried and refused (Graph 410 / Google 410 fullSyncRequired), then the window was read again.
    const reads = acc.eventReads().slice(readsBefore);
    expect(reads[0]).toMatch(provider === 'OUTLOOK' ? /^410 .*\$deltatoken=/ : /^410 .*syncToken=/);
    expect(reads[1]).toMatch(provider === 'OUTLOOK' ? /^200 \?startDateTime=/ : /^200 .*timeMin=/);
    expect(during.length).toBeGreaterThanOrEqual(2);
    for (const seen of during.slice(0, -1)) expect(seen).toEqual(expect.arrayContaining(expected(events)));
    // Then exactly the provider's events: E1 swept, E6 in.
    expect(summary(await shown(w.userA, w.locA))).toEqual(expected([...events.slice(1), e6]));
    expect(await scalar(s.ds(), `SELECT count(*) FROM external_events WHERE provider_calendar_id = $1`, [calendar.id])).toBe(5);
  });

  test.each<Provider>(['OUTLOOK', 'GOOGLE'])('%s: a 401 in the middle of paging refreshes the tokens and the read goes on', async (provider) => {
    const events = [event('P1', 1), event('P2', 2), event('P3', 3), event('P4', 4), event('P5', 5)];
    const { w, acc, calendar } = await connectedWith(provider, events);
    const readsBefore = acc.eventReads().length;
    let expired = false;
    s.t.app.services.syncServices.calendarSync.hooks.afterPage = async (calendarId, page) => {
      if (calendarId !== calendar.id || expired) return;
      expired = true;
      expect(page.index).toBe(0);
      acc.expireAccessToken();
    };
    // A full resync (3 pages of 2): the access token dies after the first page.
    await s.t.app.services.sync.syncCalendars([calendar.id], { full: true });
    await s.t.app.whenIdle();

    expect(expired).toBe(true);
    expect(summary(await shown(w.userA, w.locA))).toEqual(expected(events));
    // Three pages plus the one asked again after the refresh: the read was not started over.
    expect(acc.eventReads().length - readsBefore).toBe(4);
    const [row] = await s.ds().query(`SELECT status, sync_state, last_error FROM connections WHERE calendars_listed_at IS NOT NULL AND id = (SELECT connection_id FROM provider_calendars WHERE id = $1)`, [calendar.id]);
    expect(row).toEqual({ status: 'ACTIVE', sync_state: 'IDLE', last_error: null });
  });

  test('a deselected calendar stops syncing and its events go at once', async () => {
    const { w, acc, calendar } = await connectedWith('GOOGLE', [event('Keep out', 2)]);
    expect(await shown(w.userA, w.locA)).toHaveLength(1);
    const r = await s.t.gql(UpdateCalendarConfigurationDocument, { input: { locationId: w.locA, conflictCalendarIds: [] } }, s.t.tokenFor(w.userA));
    expect(r.errors).toBeUndefined();
    // Gone with the mutation, before any job ran.
    expect(await shown(w.userA, w.locA)).toEqual([]);
    await s.t.app.whenIdle();
    const readsBefore = acc.eventReads().length;
    acc.create(event('After deselection', 3));
    await s.t.app.services.sync.syncCalendars([calendar.id]);
    await s.t.app.whenIdle();
    expect(acc.eventReads().length).toBe(readsBefore);
    expect(await shown(w.userA, w.locA)).toEqual([]);
    expect(await scalar(s.ds(), `SELECT count(*) FROM calendar_sync_states WHERE provider_calendar_id = $1`, [calendar.id])).toBe(0);
  });

  test('a disconnect while a sync is writing waits for that write, then removes everything (no deadlock, nothing left behind)', async () => {
    const { w, acc, conn, calendar } = await connectedWith('OUTLOOK', [event('W1', 1), event('W2', 2)]);
    acc.create(event('W3', 3));
    let disconnecting: Promise<{ errors?: unknown; data?: { disconnect: boolean } | null }> | null = null;
    s.t.app.services.syncServices.calendarSync.hooks.duringWrite = async (calendarId) => {
      if (calendarId !== calendar.id || disconnecting) return;
      disconnecting = s.t.gql(DisconnectDocument, { connectionId: conn.id }, s.t.tokenFor(w.userA));
      // Until the disconnect waits for this transaction's locks.
      while (!(await scalar(s.ds(), `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`))) await new Promise((r) => setImmediate(r));
    };
    await s.t.app.services.sync.syncCalendars([calendar.id], { full: true });
    await s.t.app.whenIdle();
    expect(disconnecting).not.toBeNull();
    const r = await disconnecting!;
    expect(r.errors).toBeUndefined();
    expect(r.data!.disconnect).toBe(true);
    expect(await scalar(s.ds(), `SELECT count(*) FROM external_events WHERE provider_calendar_id = $1`, [calendar.id])).toBe(0);
    expect(await scalar(s.ds(), `SELECT count(*) FROM connections WHERE id = $1`, [conn.id])).toBe(0);
  });
});
