import type { AccountSeed, GoogleEmulator } from '../../emulators/google';
import { GoogleCalendarDriver } from '../../src/providers/google/google.driver';
import { ProviderRequestRejectedError } from '../../src/providers/provider.errors';
import { AccessTokenExpiredError, AuthorizationCodeRefusedError, CursorExpiredError, GrantRevokedError, ProviderNotFoundError } from '../../src/providers/provider.errors';
import { authorize, collect, connect, pkce, REDIRECT_URI, startGoogle, startReceiver, uniqueEmail } from './google.harness';
import { hashPushSecret } from '../../src/providers/shared/push-secret';
import { ProviderThrottledError } from '../../src/providers/provider.errors';

// The Google driver against the emulator, over the network, with the real client libraries.

let emu: GoogleEmulator;
let driver: GoogleCalendarDriver;

beforeAll(async () => {
  ({ emu, driver } = await startGoogle());
});
afterAll(() => emu.close());

const window = { windowStart: new Date('2025-01-01T00:00:00Z'), windowEnd: new Date('2025-12-31T00:00:00Z') };

function seed(calendarId: string, n: number, from = Date.parse('2025-03-03T09:00:00Z')): string[] {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const start = new Date(from + i * 3_600_000);
    const ev = emu.state.insertEvent(calendarId, {
      summary: `Event ${i}`,
      start: { dateTime: start.toISOString() },
      end: { dateTime: new Date(start.getTime() + 1_800_000).toISOString() },
    });
    ids.push(ev.id);
  }
  return ids;
}

async function newAccount(label: string, extra: Partial<AccountSeed> = {}) {
  const email = uniqueEmail(label);
  const account = emu.addAccount({ email, ...extra });
  const tokens = await connect(driver, email);
  return { email, account, tokens };
}

describe('connecting', () => {
  it('walks code → tokens → me → calendars, identified by sub', async () => {
    const email = uniqueEmail('connect');
    const account = emu.addAccount({
      email,
      name: 'Ada Lovelace',
      timeZone: 'Europe/Berlin',
      calendars: [
        { id: `team-${email}`, summary: 'Team', accessRole: 'writer', timeZone: 'Europe/London' },
        { id: `holidays-${email}`, summary: 'Holidays', accessRole: 'reader' },
      ],
    });
    const { verifier, challenge } = pkce();
    const redirect = await authorize(driver, email, challenge, 'state-123');
    expect(redirect.searchParams.get('state')).toBe('state-123');
    const tokens = await driver.exchangeCode({ code: redirect.searchParams.get('code')!, codeVerifier: verifier, redirectUri: REDIRECT_URI });
    expect(tokens.refreshToken).toBeTruthy();
    expect(tokens.expiresAt.getTime()).toBeGreaterThan(Date.now());
    expect(tokens.grantedScopes).toContain('https://www.googleapis.com/auth/calendar');

    const me = await driver.whoAmI(tokens);
    expect(me).toEqual({ externalId: account.sub, email, displayName: 'Ada Lovelace' });
    expect(me.externalId).not.toBe(email);
    // without the id_token's claims, userinfo says the same
    expect(await driver.whoAmI({ ...tokens, driverState: null })).toEqual(me);

    const calendars = await driver.listCalendars(tokens);
    expect(calendars).toEqual([
      { externalId: email, name: email, canWrite: true, access: 'WRITE', isDefault: true, timeZone: 'Europe/Berlin' },
      { externalId: `team-${email}`, name: 'Team', canWrite: true, access: 'WRITE', isDefault: false, timeZone: 'Europe/London' },
      { externalId: `holidays-${email}`, name: 'Holidays', canWrite: false, access: 'READ', isDefault: false, timeZone: 'UTC' },
    ]);
    const authorizeUrl = new URL(await driver.authorizationUrl({ redirectUri: REDIRECT_URI, state: 's', codeChallenge: challenge }));
    expect(Object.fromEntries(authorizeUrl.searchParams)).toMatchObject({
      access_type: 'offline',
      prompt: 'consent',
      code_challenge_method: 'S256',
      scope: 'openid email https://www.googleapis.com/auth/calendar',
    });
  });

  it('refuses a code with the wrong PKCE verifier', async () => {
    const email = uniqueEmail('pkce');
    emu.addAccount({ email });
    const { challenge } = pkce();
    const redirect = await authorize(driver, email, challenge);
    await expect(
      driver.exchangeCode({ code: redirect.searchParams.get('code')!, codeVerifier: pkce().verifier, redirectUri: REDIRECT_URI }),
    ).rejects.toBeInstanceOf(AuthorizationCodeRefusedError);
  });

  it('refreshes, keeping the refresh token Google does not rotate', async () => {
    const { tokens } = await newAccount('refresh');
    const next = await driver.refresh(tokens);
    expect(next.accessToken).not.toBe(tokens.accessToken);
    expect(next.refreshToken).toBe(tokens.refreshToken);
    expect(next.grantedScopes).toEqual(tokens.grantedScopes);
    expect(await driver.listCalendars(next)).toHaveLength(1);
  });

  it('keeps a rotated refresh token when the provider rotates', async () => {
    const rotating = await startGoogle({ rotateRefreshTokens: true });
    try {
      const email = uniqueEmail('rotate');
      rotating.emu.addAccount({ email });
      const tokens = await connect(rotating.driver, email);
      const next = await rotating.driver.refresh(tokens);
      expect(next.refreshToken).toBeTruthy();
      expect(next.refreshToken).not.toBe(tokens.refreshToken);
      await expect(rotating.driver.refresh(tokens)).rejects.toBeInstanceOf(GrantRevokedError);
      await expect(rotating.driver.refresh(next)).resolves.toMatchObject({ accessToken: expect.any(String) });
    } finally {
      await rotating.emu.close();
    }
  });

  it('turns invalid_grant on refresh into GrantRevokedError', async () => {
    const { email, tokens } = await newAccount('revoked');
    emu.faults.add({ fault: { type: 'invalidGrant' }, route: '/token', account: email });
    await expect(driver.refresh(tokens)).rejects.toBeInstanceOf(GrantRevokedError);
    emu.state.revokeGrants(email);
    await expect(driver.refresh(tokens)).rejects.toBeInstanceOf(GrantRevokedError);
    await expect(driver.refresh({ ...tokens, refreshToken: null })).rejects.toBeInstanceOf(GrantRevokedError);
  });

  it('reports an expired access token as AccessTokenExpiredError, without refreshing by itself', async () => {
    const { email, tokens } = await newAccount('expired');
    emu.state.expireAccessTokens(email);
    emu.requestLog.clear();
    await expect(driver.listCalendars(tokens)).rejects.toBeInstanceOf(AccessTokenExpiredError);
    expect(emu.requestLog.entries.filter((e) => e.account === email).map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual([
      'GET /calendar/v3/users/me/calendarList 401',
    ]);
  });

  it('lists free/busy-only calendars as FREE_BUSY (never writable), readers as READ', async () => {
    const { email, tokens } = await newAccount('access');
    const owner = uniqueEmail('colleague');
    emu.addAccount({ email: owner, calendars: [{ id: `fb-${owner}`, summary: 'Colleague (free/busy)' }, { id: `rd-${owner}`, summary: 'Colleague (read)' }, { id: `wr-${owner}`, summary: 'Colleague (write)' }] });
    emu.state.shareCalendar(`fb-${owner}`, email, 'freeBusyReader');
    emu.state.shareCalendar(`rd-${owner}`, email, 'reader');
    emu.state.shareCalendar(`wr-${owner}`, email, 'writer');
    const calendars = await driver.listCalendars(tokens);
    expect(calendars.map((c) => [c.name, c.canWrite, c.access])).toEqual([
      [email, true, 'WRITE'],
      ['Colleague (free/busy)', false, 'FREE_BUSY'],
      ['Colleague (read)', false, 'READ'],
      ['Colleague (write)', true, 'WRITE'],
    ]);
  });

  it('gives no writable calendar to a read-only grant', async () => {
    const email = uniqueEmail('readonly');
    emu.addAccount({ email, calendarGrant: 'readonly', calendars: [{ summary: 'Own', accessRole: 'owner' }] });
    const tokens = await connect(driver, email);
    expect(tokens.grantedScopes).toContain('https://www.googleapis.com/auth/calendar.readonly');
    const calendars = await driver.listCalendars(tokens);
    expect(calendars.map((c) => [c.canWrite, c.access])).toEqual([
      [false, 'READ'],
      [false, 'READ'],
    ]);
    await expect(
      driver.createEvent(tokens, email, { title: 'x', start: new Date(), end: new Date(Date.now() + 60_000), timeZone: 'UTC' }, 'k1'),
    ).rejects.toBeInstanceOf(ProviderRequestRejectedError);
  });
});

describe('syncing', () => {
  it('runs a full sync over several pages, then incremental syncs with adds, updates and deletes', async () => {
    const { email, tokens } = await newAccount('sync');
    const ids = seed(email, 25);
    emu.state.insertEvent(email, { summary: 'outside the window', start: { dateTime: '2030-01-01T10:00:00Z' }, end: { dateTime: '2030-01-01T11:00:00Z' } });
    const pages = await collect(driver.readChanges(tokens, email, { cursor: null, ...window, pageSize: 10 }));
    expect(pages).toHaveLength(3);
    expect(pages.slice(0, 2).every((p) => p.nextCursor === null)).toBe(true);
    const cursor = pages[2].nextCursor!;
    expect(cursor).toBeTruthy();
    const all = pages.flatMap((p) => p.upserts);
    expect(all.map((e) => e.externalId).sort()).toEqual([...ids].sort());
    expect(all[0]).toMatchObject({ title: 'Event 0', start: new Date('2025-03-03T09:00:00Z'), end: new Date('2025-03-03T09:30:00Z'), isAllDay: false, availability: 'BUSY', seriesExternalId: null });

    const added = emu.state.insertEvent(email, { summary: 'new', transparency: 'transparent', start: { dateTime: '2025-04-01T10:00:00+02:00' }, end: { dateTime: '2025-04-01T11:00:00+02:00' } });
    emu.state.patchEvent(email, ids[3], { summary: 'renamed', start: { dateTime: '2025-05-01T08:00:00Z' }, end: { dateTime: '2025-05-01T09:00:00Z' } });
    emu.state.deleteEvent(email, ids[7]);

    const inc = await collect(driver.readChanges(tokens, email, { cursor, ...window }));
    expect(inc).toHaveLength(1);
    const byId = new Map(inc[0].upserts.map((e) => [e.externalId, e]));
    expect(byId.get(added.id)).toMatchObject({ title: 'new', availability: 'FREE', start: new Date('2025-04-01T08:00:00Z') });
    expect(byId.get(ids[3])).toMatchObject({ title: 'renamed', start: new Date('2025-05-01T08:00:00Z') });
    expect(byId.size).toBe(2);
    expect(inc[0].removedIds).toEqual([ids[7]]);
    expect(inc[0].nextCursor).toBeTruthy();

    // nothing changed since: an empty page and a cursor again
    const quiet = await collect(driver.readChanges(tokens, email, { cursor: inc[0].nextCursor, ...window }));
    expect(quiet).toEqual([{ upserts: [], removedIds: [], nextCursor: expect.any(String) }]);
  });

  describe('a free/busy-only calendar', () => {
    // The sync window of production (7 days back, 180 ahead): longer than one freeBusy query may span.
    const fbWindow = { windowStart: new Date('2025-01-01T00:00:00Z'), windowEnd: new Date('2025-07-07T00:00:00Z') };

    async function sharedFreeBusy(label: string) {
      const { email, tokens } = await newAccount(label);
      const owner = uniqueEmail(`${label}-owner`);
      const calendarId = `fb-${owner}`;
      emu.addAccount({ email: owner, calendars: [{ id: calendarId, summary: 'Colleague', timeZone: 'Europe/Berlin' }] });
      emu.state.shareCalendar(calendarId, email, 'freeBusyReader');
      const at = (start: string, end: string, extra = {}) => emu.state.insertEvent(calendarId, { summary: 'Private talk', start: { dateTime: start }, end: { dateTime: end }, ...extra });
      return { email, tokens, calendarId, at };
    }
    const read = (tokens: Awaited<ReturnType<typeof sharedFreeBusy>>['tokens'], calendarId: string, extra = {}) =>
      collect(driver.readChanges(tokens, calendarId, { cursor: null, ...fbWindow, access: 'FREE_BUSY', ...extra }));

    it('reads busy blocks without titles over the whole window, merged, with ids a re-read keeps', async () => {
      const { email, tokens, calendarId, at } = await sharedFreeBusy('fbread');
      at('2025-03-03T09:00:00Z', '2025-03-03T10:00:00Z');
      at('2025-03-03T09:30:00Z', '2025-03-03T10:30:00Z');
      at('2025-03-03T12:00:00Z', '2025-03-03T13:00:00Z', { transparency: 'transparent' });
      at('2025-03-01T23:00:00Z', '2025-03-02T01:00:00Z'); // across the boundary of two queries (60-day spans)
      at('2025-06-30T08:00:00Z', '2025-06-30T09:00:00Z', { recurrence: ['RRULE:FREQ=DAILY;COUNT=3'] });
      emu.state.insertEvent(calendarId, { start: { date: '2025-05-01' }, end: { date: '2025-05-02' } }); // all day in Berlin
      emu.requestLog.clear();

      const pages = await read(tokens, calendarId);
      expect(pages.every((p) => p.nextCursor === null && p.removedIds.length === 0)).toBe(true);
      const blocks = pages.flatMap((p) => p.upserts);
      expect(blocks.map((b) => [b.start.toISOString(), b.end.toISOString()])).toEqual([
        ['2025-03-01T23:00:00.000Z', '2025-03-02T01:00:00.000Z'],
        ['2025-03-03T09:00:00.000Z', '2025-03-03T10:30:00.000Z'],
        ['2025-04-30T22:00:00.000Z', '2025-05-01T22:00:00.000Z'],
        ['2025-06-30T08:00:00.000Z', '2025-06-30T09:00:00.000Z'],
        ['2025-07-01T08:00:00.000Z', '2025-07-01T09:00:00.000Z'],
        ['2025-07-02T08:00:00.000Z', '2025-07-02T09:00:00.000Z'],
      ]);
      expect(blocks.every((b) => b.title === null && b.availability === 'BUSY' && !b.isAllDay && b.seriesExternalId === null && b.clientKey === null)).toBe(true);
      expect(new Set(blocks.map((b) => b.externalId)).size).toBe(blocks.length);
      // freeBusy only, in spans Google accepts; events.list is never tried
      expect(emu.requestLog.entries.filter((e) => e.account === email).map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual(
        Array(4).fill('POST /calendar/v3/freeBusy 200'),
      );

      // The same busy time read again is the same rows
      const again = (await read(tokens, calendarId, { pageSize: 2 })).flatMap((p) => p.upserts);
      expect(again).toEqual(blocks);
    });

    it('follows changes by reading in full: a moved event is a new block, the old one is simply absent', async () => {
      const { tokens, calendarId, at } = await sharedFreeBusy('fbmove');
      const ev = at('2025-03-03T09:00:00Z', '2025-03-03T10:00:00Z');
      const [before] = (await read(tokens, calendarId)).flatMap((p) => p.upserts);
      emu.state.patchEvent(calendarId, ev.id, { start: { dateTime: '2025-03-04T09:00:00Z' }, end: { dateTime: '2025-03-04T10:00:00Z' } });
      const after = (await read(tokens, calendarId)).flatMap((p) => p.upserts);
      expect(after.map((b) => b.start)).toEqual([new Date('2025-03-04T09:00:00Z')]);
      expect(after[0].externalId).not.toBe(before.externalId);
      emu.state.deleteEvent(calendarId, ev.id);
      expect(await read(tokens, calendarId)).toEqual([{ upserts: [], removedIds: [], nextCursor: null }]);
    });

    it('refuses a cursor with CursorExpiredError (callers then read in full); events.list is refused for it', async () => {
      const { tokens, calendarId } = await sharedFreeBusy('fbcursor');
      await expect(read(tokens, calendarId, { cursor: 'a-sync-token-from-when-it-was-readable' })).rejects.toBeInstanceOf(CursorExpiredError);
      await expect(collect(driver.readChanges(tokens, calendarId, { cursor: null, ...fbWindow }))).rejects.toMatchObject({ status: 403, reason: 'requiredAccessLevel' });
    });

    it('reports a calendar no longer shared as ProviderNotFoundError', async () => {
      const { tokens } = await sharedFreeBusy('fbgone');
      await expect(read(tokens, 'never-shared@example.com')).rejects.toBeInstanceOf(ProviderNotFoundError);
    });
  });

  it('throws CursorExpiredError for an expired sync token', async () => {
    const { email, tokens } = await newAccount('cursor');
    seed(email, 2);
    const [page] = await collect(driver.readChanges(tokens, email, { cursor: null, ...window }));
    emu.state.expireSyncTokens(email);
    await expect(collect(driver.readChanges(tokens, email, { cursor: page.nextCursor, ...window }))).rejects.toBeInstanceOf(CursorExpiredError);
    // a full sync then works again
    const again = await collect(driver.readChanges(tokens, email, { cursor: null, ...window }));
    expect(again[0].upserts).toHaveLength(2);
    emu.faults.add({ fault: { type: 'syncTokenExpired' }, route: '/events', account: email });
    await expect(collect(driver.readChanges(tokens, email, { cursor: again[0].nextCursor, ...window }))).rejects.toBeInstanceOf(CursorExpiredError);
  });

  it('reads a weekly series with a moved and a cancelled occurrence as the right instances', async () => {
    const email = uniqueEmail('series');
    emu.addAccount({ email, timeZone: 'Europe/Berlin' });
    const tokens = await connect(driver, email);
    // Mondays 10:00 Berlin, across the end of DST (26 Oct 2025)
    const master = emu.state.insertEvent(email, {
      summary: 'Weekly',
      start: { dateTime: '2025-10-13T10:00:00', timeZone: 'Europe/Berlin' },
      end: { dateTime: '2025-10-13T11:00:00', timeZone: 'Europe/Berlin' },
      recurrence: ['RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=5'],
    });
    emu.state.patchEvent(email, `${master.id}_20251020T080000Z`, { start: { dateTime: '2025-10-22T15:00:00+02:00' }, end: { dateTime: '2025-10-22T16:00:00+02:00' } });
    emu.state.deleteEvent(email, `${master.id}_20251103T090000Z`);

    const [page] = await collect(driver.readChanges(tokens, email, { cursor: null, ...window, calendarTimeZone: 'Europe/Berlin' }));
    const got = page.upserts.map((e) => [e.externalId, e.start.toISOString(), e.end.toISOString(), e.seriesExternalId]).sort((a, b) => a[1]!.localeCompare(b[1]!));
    expect(got).toEqual([
      [`${master.id}_20251013T080000Z`, '2025-10-13T08:00:00.000Z', '2025-10-13T09:00:00.000Z', master.id],
      [`${master.id}_20251020T080000Z`, '2025-10-22T13:00:00.000Z', '2025-10-22T14:00:00.000Z', master.id],
      [`${master.id}_20251027T090000Z`, '2025-10-27T09:00:00.000Z', '2025-10-27T10:00:00.000Z', master.id],
      [`${master.id}_20251110T090000Z`, '2025-11-10T09:00:00.000Z', '2025-11-10T10:00:00.000Z', master.id],
    ]);

    // cancelling another occurrence comes through as a removal
    emu.state.deleteEvent(email, `${master.id}_20251110T090000Z`);
    const [inc] = await collect(driver.readChanges(tokens, email, { cursor: page.nextCursor, ...window }));
    expect(inc.removedIds).toEqual([`${master.id}_20251110T090000Z`]);
    expect(inc.upserts).toEqual([]);
  });

  it('spans an all-day event from midnight to midnight in the calendar zone', async () => {
    const email = uniqueEmail('allday');
    emu.addAccount({ email, timeZone: 'America/New_York' });
    const tokens = await connect(driver, email);
    const ev = emu.state.insertEvent(email, { summary: 'Holiday', start: { date: '2025-07-04' }, end: { date: '2025-07-05' } });
    const [cal] = await driver.listCalendars(tokens);
    const [page] = await collect(driver.readChanges(tokens, email, { cursor: null, ...window, calendarTimeZone: cal.timeZone }));
    expect(page.upserts).toEqual([
      expect.objectContaining({ externalId: ev.id, isAllDay: true, start: new Date('2025-07-04T04:00:00Z'), end: new Date('2025-07-05T04:00:00Z'), availability: 'BUSY' }),
    ]);
  });
});

describe('writing', () => {
  it('creates an event idempotently when the answer to the insert is lost', async () => {
    const { email, tokens } = await newAccount('idem');
    emu.faults.add({ fault: { type: 'dropAfterProcessing' }, method: 'POST', route: '/events', account: email });
    emu.requestLog.clear();
    const write = { title: 'Consultation', start: new Date('2025-06-02T08:00:00Z'), end: new Date('2025-06-02T08:30:00Z'), timeZone: 'Europe/Paris' };
    const created = await driver.createEvent(tokens, email, write, 'appointment-42');
    const stored = emu.state.events(email);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ id: created.externalId, summary: 'Consultation', start: { dateTime: '2025-06-02T10:00:00+02:00', timeZone: 'Europe/Paris' } });
    expect(created.version).toBe(`"${stored[0].seq}"`);
    expect(emu.requestLog.entries.filter((e) => e.account === email).map((e) => `${e.method} ${e.status}`)).toEqual(['POST null', 'POST 409', 'GET 200']);

    // the same key again is still one event
    await expect(driver.createEvent(tokens, email, write, 'appointment-42')).resolves.toEqual(created);
    expect(emu.state.events(email)).toHaveLength(1);
    const [page] = await collect(driver.readChanges(tokens, email, { cursor: null, ...window }));
    expect(page.upserts[0].clientKey).toBe('appointment-42');
  });

  it('recognises the events it wrote: their key comes back in full and incremental reads, user events have none', async () => {
    const { email, tokens } = await newAccount('ownkey');
    const write = { title: 'Booked', start: new Date('2025-06-02T08:00:00Z'), end: new Date('2025-06-02T09:00:00Z'), timeZone: 'Europe/Paris' };
    const ours = await driver.createEvent(tokens, email, write, 'appt-7:v1');
    const user = emu.state.insertEvent(email, { summary: 'Lunch', start: { dateTime: '2025-06-02T12:00:00Z' }, end: { dateTime: '2025-06-02T13:00:00Z' } });
    // "Duplicate" in Google Calendar copies the private properties along, under a new id
    const copy = emu.state.insertEvent(email, { summary: 'Booked', start: { dateTime: '2025-06-03T08:00:00Z' }, end: { dateTime: '2025-06-03T09:00:00Z' }, extendedProperties: { private: { calbridgeKey: 'appt-7:v1' } } });
    const [full] = await collect(driver.readChanges(tokens, email, { cursor: null, ...window }));
    expect(Object.fromEntries(full.upserts.map((e) => [e.externalId, e.clientKey]))).toEqual({ [ours.externalId]: 'appt-7:v1', [user.id]: null, [copy.id]: null });

    // moved by the user in Google Calendar: still ours
    emu.state.patchEvent(email, ours.externalId, { start: { dateTime: '2025-06-02T10:00:00Z' }, end: { dateTime: '2025-06-02T11:00:00Z' } });
    const [inc] = await collect(driver.readChanges(tokens, email, { cursor: full.nextCursor, ...window }));
    expect(inc.upserts.map((e) => [e.externalId, e.clientKey])).toEqual([[ours.externalId, 'appt-7:v1']]);
  });

  it('updates, and deletes twice without complaint', async () => {
    const { email, tokens } = await newAccount('write');
    const write = { title: 'A', start: new Date('2025-06-02T08:00:00Z'), end: new Date('2025-06-02T09:00:00Z'), timeZone: 'UTC' };
    const created = await driver.createEvent(tokens, email, write, 'k-update');
    const updated = await driver.updateEvent(tokens, email, created.externalId, { ...write, title: 'B', start: new Date('2025-06-03T08:00:00Z'), end: new Date('2025-06-03T09:00:00Z') });
    expect(updated.externalId).toBe(created.externalId);
    expect(updated.version).not.toBe(created.version);
    expect(emu.state.getEvent(email, created.externalId)).toMatchObject({ summary: 'B', startMs: Date.parse('2025-06-03T08:00:00Z') });
    await driver.deleteEvent(tokens, email, created.externalId);
    await driver.deleteEvent(tokens, email, created.externalId);
    await driver.deleteEvent(tokens, email, 'doesnotexist0');
    expect(emu.state.getEvent(email, created.externalId).status).toBe('cancelled');
  });
});

describe('throttling and outages', () => {
  it('waits at least Retry-After after a 429, by the emulator clock', async () => {
    const { email, tokens } = await newAccount('throttle');
    emu.faults.add({ fault: { type: 'rateLimit', retryAfterSec: 1 }, route: '/calendarList', account: email });
    emu.requestLog.clear();
    expect(await driver.listCalendars(tokens)).toHaveLength(1);
    const attempts = emu.requestLog.entries.filter((e) => e.account === email);
    expect(attempts.map((e) => e.status)).toEqual([429, 200]);
    expect(attempts[1].time - attempts[0].time).toBeGreaterThanOrEqual(1000);
  });

  it('treats 403 rateLimitExceeded as throttling and retries a 503 and a dropped connection', async () => {
    const { email, tokens } = await newAccount('quota');
    emu.faults.add({ fault: { type: 'rateLimit', status: 403, retryAfterSec: 0.2 }, route: '/calendarList', account: email });
    emu.faults.add({ fault: { type: 'unavailable' }, route: '/calendarList', account: email });
    emu.faults.add({ fault: { type: 'drop' }, route: '/calendarList', account: email });
    emu.requestLog.clear();
    expect(await driver.listCalendars(tokens)).toHaveLength(1);
    const attempts = emu.requestLog.entries.filter((e) => e.account === email);
    expect(attempts.map((e) => e.status)).toEqual([403, 503, null, 200]);
    expect(attempts[1].time - attempts[0].time).toBeGreaterThanOrEqual(200);
  });

  it('hands a Retry-After longer than its wait budget to the caller after one request (no library retry either)', async () => {
    const { email, tokens } = await newAccount('long-wait');
    emu.faults.add({ fault: { type: 'rateLimit', retryAfterSec: 30 }, route: '/calendarList', account: email });
    emu.requestLog.clear();
    const started = Date.now();
    await expect(driver.listCalendars(tokens)).rejects.toMatchObject({ constructor: ProviderThrottledError, retryAfterMs: 30_000, retryAfterGiven: true, provider: 'GOOGLE' });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(emu.requestLog.entries.filter((e) => e.account === email).map((e) => e.status)).toEqual([429]);
  });
});

describe('push', () => {
  it('opens a channel, receives sync then a change made through the control API, verifies and stops', async () => {
    const { email, tokens } = await newAccount('push');
    const receiver = await startReceiver();
    const secrets = new Map<string, string>();
    const secretFor = async (ids: readonly string[]) => new Map(ids.filter((id) => secrets.has(id)).map((id) => [id, hashPushSecret(secrets.get(id)!)]));
    try {
      const channel = await driver.startPush(tokens, {
        calendarExternalId: email,
        notificationUrl: receiver.url,
        secret: 'channel-secret-1',
        expiresAt: new Date(Date.now() + 3_600_000),
        channelId: 'chan-1',
      });
      secrets.set(channel.channelId, 'channel-secret-1');
      expect(channel).toMatchObject({ channelId: 'chan-1', resourceId: expect.any(String) });

      const sync = await receiver.next();
      expect(sync.headers['x-goog-resource-state']).toBe('sync');
      expect(await driver.verifyPush(sync, secretFor)).toEqual([{ channelId: 'chan-1', kind: 'sync' }]);

      const res = await fetch(`${emu.controlUrl}/calendars/${encodeURIComponent(email)}/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ summary: 'edited in Google Calendar', start: { dateTime: '2025-03-01T10:00:00Z' }, end: { dateTime: '2025-03-01T11:00:00Z' } }),
      });
      expect(res.status).toBe(201);
      const change = await receiver.next();
      expect(change.headers).toMatchObject({
        'x-goog-channel-id': 'chan-1',
        'x-goog-channel-token': 'channel-secret-1',
        'x-goog-resource-id': channel.resourceId,
        'x-goog-resource-state': 'exists',
        'x-goog-message-number': '2',
      });
      expect(await driver.verifyPush(change, secretFor)).toEqual([{ channelId: 'chan-1', kind: 'changed' }]);
      const forged = { ...change, headers: { ...change.headers, 'x-goog-channel-token': 'guess' } };
      expect(await driver.verifyPush(forged, secretFor)).toEqual([]);
      expect(await driver.verifyPush({ ...change, headers: { ...change.headers, 'x-goog-channel-id': 'unknown' } }, secretFor)).toEqual([]);
      expect(driver.validationResponse(change)).toBeNull();

      await driver.stopPush(tokens, channel);
      expect(emu.push.channels.get('chan-1')?.stopped).toBe(true);
      emu.state.insertEvent(email, { summary: 'after stop', start: { dateTime: '2025-03-02T10:00:00Z' }, end: { dateTime: '2025-03-02T11:00:00Z' } });
      await emu.push.idle();
      expect(emu.push.deliveries.filter((d) => d.channelId === 'chan-1').map((d) => d.state)).toEqual(['sync', 'exists']);
      // stopping again is fine
      await driver.stopPush(tokens, channel);
    } finally {
      await receiver.close();
    }
  });

  it('renews by opening a new channel and stopping the old one', async () => {
    const { email, tokens } = await newAccount('renew');
    const receiver = await startReceiver();
    try {
      const opts = { calendarExternalId: email, notificationUrl: receiver.url, secret: 's', expiresAt: new Date(Date.now() + 3_600_000) };
      const first = await driver.startPush(tokens, opts);
      const second = await driver.renewPush(tokens, first, opts);
      expect(second.channelId).not.toBe(first.channelId);
      expect(emu.push.channels.get(first.channelId)?.stopped).toBe(true);
      expect(emu.push.channels.get(second.channelId)?.stopped).toBe(false);
    } finally {
      await emu.push.idle();
      await receiver.close();
    }
  });
});

