// The Outlook driver against the Microsoft emulator, over HTTPS, with msal-node and the Graph client.
import type { ServerResponse } from 'node:http';
import { startMicrosoftEmulator, type MicrosoftEmulator } from '../../emulators/microsoft';
import type { ChangePage, PushRequest, TokenSet } from '../../src/providers/calendar-provider';
import {
  AccessTokenExpiredError,
  CursorExpiredError,
  GrantRevokedError,
  ProviderThrottledError,
  ProviderUnavailableError,
  PushSetupFailedError,
  UnsupportedMailboxError,
} from '../../src/providers/provider.errors';
import { OutlookDriver } from '../../src/providers/outlook/outlook.driver';
import { connect, driverFor, driverOptions, startReceiver, uniqueEmail, type Receiver } from './outlook.test-kit';
import { hashPushSecret } from '../../src/providers/shared/push-secret';

const WINDOW = { windowStart: new Date('2030-01-01T00:00:00Z'), windowEnd: new Date('2030-07-01T00:00:00Z') };
const utc = (iso: string) => ({ dateTime: iso, timeZone: 'UTC' });

let emulator: MicrosoftEmulator;
let driver: OutlookDriver;

beforeAll(async () => {
  emulator = await startMicrosoftEmulator();
  driver = driverFor(emulator);
});

afterAll(async () => {
  driver.close();
  await emulator.close();
});

async function drain(iterable: AsyncIterable<ChangePage>): Promise<ChangePage[]> {
  const pages: ChangePage[] = [];
  for await (const page of iterable) pages.push(page);
  return pages;
}

async function newUser(kind: 'work' | 'personal' | 'onPremises' = 'work', consentScopes?: string[]) {
  const account = emulator.addAccount({ email: uniqueEmail(kind, kind === 'personal' ? 'outlook.com' : 'contoso.com'), kind, consentScopes });
  const tokens = await connect(emulator, driver, account.userPrincipalName);
  return { account, tokens, calendarId: account.defaultCalendarId };
}

describe('sign-in and account', () => {
  it('exchanges a PKCE code for tokens, then reads the account and its calendars', async () => {
    const { account, tokens } = await newUser();
    expect(tokens.refreshToken).toBeTruthy();
    expect(tokens.grantedScopes).toEqual(expect.arrayContaining(['User.Read', 'Calendars.ReadWrite', 'Calendars.ReadWrite.Shared']));
    expect(tokens.expiresAt.getTime()).toBeGreaterThan(Date.now() + 3_000_000);

    const me = await driver.whoAmI(tokens);
    expect(me).toEqual({ externalId: `${account.tid}.${account.oid}`, email: account.mail, displayName: account.displayName });

    const calendars = await driver.listCalendars(tokens);
    expect(calendars).toEqual([{ externalId: account.defaultCalendarId, name: 'Calendar', canWrite: true, access: 'WRITE', isDefault: true, timeZone: null }]);
  });

  it('identifies a personal account by tenant + object id and shows its sign-in name (no mail)', async () => {
    const { account, tokens } = await newUser('personal');
    const me = await driver.whoAmI(tokens);
    expect(account.mail).toBeNull();
    expect(me.externalId).toBe(`9188040d-6c67-4c5b-b112-36a304b66dad.${account.oid}`);
    expect(me.email).toBe(account.userPrincipalName);
  });

  it('derives canWrite from the calendar access and the granted scopes', async () => {
    const { account, tokens } = await newUser();
    const owner = emulator.addAccount({ email: uniqueEmail('owner') });
    const readable = emulator.state.addCalendar(owner.id, 'Shared read');
    const writable = emulator.state.addCalendar(owner.id, 'Shared write');
    emulator.state.shareCalendar(readable.id, account.id, 'reader');
    emulator.state.shareCalendar(writable.id, account.id, 'writer');
    const byName = Object.fromEntries((await driver.listCalendars(tokens)).map((c) => [c.name, [c.canWrite, c.access]]));
    expect(byName).toEqual({ Calendar: [true, 'WRITE'], 'Shared read': [false, 'READ'], 'Shared write': [true, 'WRITE'] });

    // A user who consented to reading only: nothing is writable
    const reader = await newUser('work', ['User.Read', 'Calendars.Read']);
    expect((await driver.listCalendars(reader.tokens)).map((c) => [c.canWrite, c.access])).toEqual([[false, 'READ']]);
  });

  it('refuses an on-premises mailbox with UnsupportedMailboxError', async () => {
    const { tokens } = await newUser('onPremises');
    await expect(driver.listCalendars(tokens)).rejects.toBeInstanceOf(UnsupportedMailboxError);
    await expect(driver.whoAmI(tokens)).rejects.toBeInstanceOf(UnsupportedMailboxError);
  });
});

describe('refresh', () => {
  it('rotates the refresh token: the new one works, the old one is refused', async () => {
    const { tokens, calendarId } = await newUser();
    const refreshed = await driver.refresh(tokens);
    expect(refreshed.refreshToken).not.toBe(tokens.refreshToken);
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    await drain(driver.readChanges(refreshed, calendarId, { cursor: null, ...WINDOW }));

    await expect(driver.refresh(tokens)).rejects.toBeInstanceOf(GrantRevokedError);
    const again = await driver.refresh(refreshed);
    expect(again.refreshToken).not.toBe(refreshed.refreshToken);
  });

  it('falls back to the bare refresh token when there is no msal cache', async () => {
    const { tokens } = await newUser();
    const refreshed = await driver.refresh({ ...tokens, driverState: null });
    expect(refreshed.refreshToken).not.toBe(tokens.refreshToken);
    expect(refreshed.driverState).toBeTruthy();
  });

  it('treats a token endpoint that is down (5xx) or throttling (429) as an outage, not as a refused grant', async () => {
    const { account, tokens } = await newUser();
    // Down for longer than the driver retries: the caller sees an outage, and the grant is still good afterwards.
    emulator.addFault({ kind: 'unavailable', status: 503, account: account.id, route: /oauth2\/v2\.0\/token$/, times: 10 });
    const down = await driver.refresh(tokens).catch((e: unknown) => e);
    expect(down).toBeInstanceOf(ProviderUnavailableError);
    emulator.faults.clear();
    // Throttled once: retried after the wait, then refreshed.
    emulator.addFault({ kind: 'throttle', retryAfterSeconds: 0, account: account.id, route: /oauth2\/v2\.0\/token$/, times: 1 });
    const refreshed = await driver.refresh(tokens);
    expect(refreshed.refreshToken).not.toBe(tokens.refreshToken);
    await expect(driver.listCalendars(refreshed)).resolves.toHaveLength(1);
  });

  it('turns invalid_grant into GrantRevokedError', async () => {
    const { account, tokens } = await newUser();
    emulator.state.revokeGrants(account.id);
    await expect(driver.refresh(tokens)).rejects.toBeInstanceOf(GrantRevokedError);

    const other = await newUser();
    emulator.addFault({ kind: 'invalidGrant', errorCode: 700082, account: other.account.id, times: 1 });
    await expect(driver.refresh(other.tokens)).rejects.toBeInstanceOf(GrantRevokedError);
  });

  it('refreshes with the stored refresh token when msal\'s cache belongs to another address of the authority', async () => {
    const { tokens } = await newUser();
    // The same identity platform reached under another host name (as after the sandbox emulator moved port):
    // msal keys its cache by host, so its silent flow finds no refresh token there
    const moved = new OutlookDriver({ ...driverOptions(emulator), authority: emulator.authority.replace('127.0.0.1', 'localhost') });
    try {
      const refreshed = await moved.refresh(tokens);
      expect(refreshed.refreshToken).not.toBe(tokens.refreshToken);
      await expect(moved.listCalendars(refreshed)).resolves.toHaveLength(1);
      // The cache now belongs to the new address: the next refresh is msal's silent one
      await expect(moved.refresh(refreshed)).resolves.toMatchObject({ accessToken: expect.any(String) });
    } finally {
      moved.close();
    }
  });

  it('turns a token cache miss with nothing to fall back on into GrantRevokedError (not msal\'s no_tokens_found)', async () => {
    const { tokens } = await newUser();
    const cache = JSON.parse(tokens.driverState!) as { RefreshToken: Record<string, unknown> };
    cache.RefreshToken = {};
    const err = await driver.refresh({ ...tokens, refreshToken: null, driverState: JSON.stringify(cache) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GrantRevokedError);
  });

  it('reports an expired access token as AccessTokenExpiredError', async () => {
    const { account, tokens } = await newUser();
    emulator.state.expireAccessTokens(account.id);
    await expect(driver.listCalendars(tokens)).rejects.toBeInstanceOf(AccessTokenExpiredError);
    const fresh = await driver.refresh(tokens);
    await expect(driver.listCalendars(fresh)).resolves.toHaveLength(1);
  });
});

describe('reading changes', () => {
  it('pages a full delta, then an incremental one with adds, updates and deletes', async () => {
    const { calendarId, tokens } = await newUser();
    const ids = Array.from({ length: 7 }, (_, i) => emulator.state.createEvent(calendarId, { subject: `e${i}`, start: utc(`2030-02-0${i + 1}T10:00:00`), end: utc(`2030-02-0${i + 1}T11:00:00`) }).event.id);
    emulator.state.createEvent(calendarId, { subject: 'outside', start: utc('2031-01-01T10:00:00'), end: utc('2031-01-01T11:00:00') });

    const full = await drain(driver.readChanges(tokens, calendarId, { cursor: null, ...WINDOW, pageSize: 3 }));
    expect(full.length).toBe(3);
    expect(full.slice(0, -1).every((p) => p.nextCursor === null)).toBe(true);
    expect(full.flatMap((p) => p.upserts.map((u) => u.title)).sort()).toEqual(['e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6']);
    const cursor = full[full.length - 1].nextCursor!;
    expect(cursor).toMatch(/^https:\/\//);

    const added = emulator.state.createEvent(calendarId, { subject: 'new', start: utc('2030-03-01T09:00:00'), end: utc('2030-03-01T09:30:00') }).event;
    emulator.state.updateEvent(ids[1], { subject: 'e1 moved', start: utc('2030-03-02T10:00:00'), end: utc('2030-03-02T11:00:00') });
    emulator.state.deleteEvent(ids[2]);
    emulator.state.updateEvent(ids[3], { isCancelled: true });
    emulator.state.updateEvent(ids[4], { start: utc('2032-01-01T10:00:00'), end: utc('2032-01-01T11:00:00') });

    const incremental = await drain(driver.readChanges(tokens, calendarId, { cursor, ...WINDOW, pageSize: 3 }));
    const upserts = incremental.flatMap((p) => p.upserts);
    expect(upserts.map((u) => [u.externalId, u.title]).sort()).toEqual([[added.id, 'new'], [ids[1], 'e1 moved']].sort());
    expect(upserts.find((u) => u.externalId === ids[1])!.start.toISOString()).toBe('2030-03-02T10:00:00.000Z');
    expect(incremental.flatMap((p) => p.removedIds).sort()).toEqual([ids[2], ids[3], ids[4]].sort());

    // Nothing changed since: an empty round with a new cursor
    const quiet = await drain(driver.readChanges(tokens, calendarId, { cursor: incremental[incremental.length - 1].nextCursor, ...WINDOW }));
    expect(quiet).toEqual([{ upserts: [], removedIds: [], nextCursor: expect.stringMatching(/deltatoken/) }]);
  });

  it('throws CursorExpiredError for an expired delta token (410 and 400 variants)', async () => {
    const { account, calendarId, tokens } = await newUser();
    const [page] = await drain(driver.readChanges(tokens, calendarId, { cursor: null, ...WINDOW }));
    emulator.state.expireDeltaTokens(account.id);
    await expect(drain(driver.readChanges(tokens, calendarId, { cursor: page.nextCursor, ...WINDOW }))).rejects.toBeInstanceOf(CursorExpiredError);

    const [fresh] = await drain(driver.readChanges(tokens, calendarId, { cursor: null, ...WINDOW }));
    emulator.addFault({ kind: 'cursorExpired', variant: 'syncStateNotFound', account: account.id, times: 1 });
    await expect(drain(driver.readChanges(tokens, calendarId, { cursor: fresh.nextCursor, ...WINDOW }))).rejects.toBeInstanceOf(CursorExpiredError);
  });

  it('reads a weekly series with one moved and one cancelled occurrence as its instances', async () => {
    const { calendarId, tokens } = await newUser();
    const master = emulator.state.createEvent(calendarId, {
      subject: 'Standup',
      start: { dateTime: '2030-03-04T09:00:00', timeZone: 'Pacific Standard Time' },
      end: { dateTime: '2030-03-04T09:30:00', timeZone: 'Pacific Standard Time' },
      recurrence: { pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] }, range: { type: 'numbered', startDate: '2030-03-04', numberOfOccurrences: 4 } },
    }).event;
    const [first] = await drain(driver.readChanges(tokens, calendarId, { cursor: null, ...WINDOW }));
    const byStart = new Map(first.upserts.map((u) => [u.start.toISOString(), u.externalId]));
    // 2030-03-10 is the US DST switch: 09:00 PST is 17:00Z before, 09:00 PDT is 16:00Z after
    expect([...byStart.keys()]).toEqual(['2030-03-04T17:00:00.000Z', '2030-03-11T16:00:00.000Z', '2030-03-18T16:00:00.000Z', '2030-03-25T16:00:00.000Z']);

    const moved = byStart.get('2030-03-11T16:00:00.000Z')!;
    const cancelled = byStart.get('2030-03-18T16:00:00.000Z')!;
    emulator.state.updateEvent(moved, { start: { dateTime: '2030-03-12T11:00:00', timeZone: 'Pacific Standard Time' }, end: { dateTime: '2030-03-12T11:30:00', timeZone: 'Pacific Standard Time' } });
    emulator.state.deleteEvent(cancelled);

    const pages = await drain(driver.readChanges(tokens, calendarId, { cursor: null, ...WINDOW }));
    const instances = pages.flatMap((p) => p.upserts).sort((a, b) => a.start.getTime() - b.start.getTime());
    expect(instances.map((i) => [i.start.toISOString(), i.end.toISOString()])).toEqual([
      ['2030-03-04T17:00:00.000Z', '2030-03-04T17:30:00.000Z'],
      ['2030-03-12T18:00:00.000Z', '2030-03-12T18:30:00.000Z'],
      ['2030-03-25T16:00:00.000Z', '2030-03-25T16:30:00.000Z'],
    ]);
    expect(instances[1].externalId).toBe(moved);
    expect(instances.every((i) => i.seriesExternalId === master.id && i.title === 'Standup')).toBe(true);

    const changes = await drain(driver.readChanges(tokens, calendarId, { cursor: first.nextCursor, ...WINDOW }));
    expect(changes.flatMap((p) => p.removedIds)).toEqual([cancelled]);
    expect(changes.flatMap((p) => p.upserts.map((u) => u.externalId))).toContain(moved);
  });

  it('spans an all-day event in a Windows zone from midnight to midnight there', async () => {
    const { calendarId, tokens } = await newUser();
    emulator.state.createEvent(calendarId, {
      subject: 'Holiday',
      isAllDay: true,
      showAs: 'oof',
      start: { dateTime: '2030-05-10T00:00:00', timeZone: 'W. Europe Standard Time' },
      end: { dateTime: '2030-05-11T00:00:00', timeZone: 'W. Europe Standard Time' },
    });
    const [page] = await drain(driver.readChanges(tokens, calendarId, { cursor: null, ...WINDOW }));
    expect(page.upserts).toEqual([
      expect.objectContaining({ title: 'Holiday', isAllDay: true, availability: 'OUT_OF_OFFICE', start: new Date('2030-05-09T22:00:00Z'), end: new Date('2030-05-10T22:00:00Z') }),
    ]);
  });

  it('waits at least Retry-After when throttled, then succeeds', async () => {
    const { account, calendarId, tokens } = await newUser();
    emulator.addFault({ kind: 'throttle', retryAfterSeconds: 1, account: account.id, route: 'GET /v1.0/me/calendars/*/calendarView/delta', times: 1 });
    await drain(driver.readChanges(tokens, calendarId, { cursor: null, ...WINDOW }));
    const attempts = emulator.requestLog.list({ account: account.userPrincipalName, path: /calendarView\/delta$/ });
    expect(attempts.map((a) => a.status)).toEqual([429, 200]);
    expect(attempts[1].time - attempts[0].time).toBeGreaterThanOrEqual(1000);
  });

  it('hands a Retry-After longer than its wait budget to the caller after one request (no Graph client retry either)', async () => {
    const { account, tokens } = await newUser();
    emulator.addFault({ kind: 'throttle', retryAfterSeconds: 30, account: account.id, route: 'GET /v1.0/me/calendars', times: 1 });
    const started = Date.now();
    await expect(driver.listCalendars(tokens)).rejects.toMatchObject({ constructor: ProviderThrottledError, retryAfterMs: 30_000, retryAfterGiven: true, provider: 'OUTLOOK' });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(emulator.requestLog.list({ account: account.userPrincipalName, path: '/v1.0/me/calendars' }).map((a) => a.status)).toEqual([429]);
  });

  it('retries a 503 itself', async () => {
    const { account, tokens } = await newUser();
    emulator.addFault({ kind: 'unavailable', status: 503, account: account.id, route: 'GET /v1.0/me/calendars', times: 2 });
    await expect(driver.listCalendars(tokens)).resolves.toHaveLength(1);
    expect(emulator.requestLog.list({ account: account.userPrincipalName, path: '/v1.0/me/calendars' }).map((a) => a.status)).toEqual([503, 503, 200]);
  });
});

describe('writing events', () => {
  const write = { title: 'Demo with ACME', description: 'Booked via CRM', start: new Date('2030-04-01T14:00:00Z'), end: new Date('2030-04-01T14:30:00Z'), timeZone: 'Europe/Berlin' };

  it('creates exactly one event when the connection drops after the create was processed', async () => {
    const { account, calendarId, tokens } = await newUser();
    emulator.addFault({ kind: 'dropAfterProcessing', account: account.id, route: 'POST /v1.0/me/calendars/*/events', times: 1 });
    const written = await driver.createEvent(tokens, calendarId, write, 'booking-42-v1');

    const stored = emulator.state.eventsIn(calendarId);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ id: written.externalId, transactionId: 'calbridge:booking-42-v1', subject: 'Demo with ACME', timeZone: 'W. Europe Standard Time', startLocal: '2030-04-01T16:00:00' });
    expect(emulator.requestLog.list({ account: account.userPrincipalName, method: 'POST', path: /\/events$/ }).map((a) => a.status)).toEqual([0, 201]);

    // The same key again (a replayed outbox job) still leaves one event
    expect(await driver.createEvent(tokens, calendarId, write, 'booking-42-v1')).toEqual(written);
    expect(emulator.state.eventsIn(calendarId)).toHaveLength(1);
  });

  it('writes in the Windows zone of the event and reads the same instants back (Kathmandu, Kyiv; UTC when Windows has no name)', async () => {
    const { calendarId, tokens } = await newUser();
    const at = { start: new Date('2030-04-03T10:00:00Z'), end: new Date('2030-04-03T11:00:00Z') };
    await driver.createEvent(tokens, calendarId, { ...write, ...at, title: 'Nepal', timeZone: 'Asia/Kathmandu' }, 'zone-np');
    await driver.createEvent(tokens, calendarId, { ...write, ...at, title: 'Kyiv', timeZone: 'Europe/Kyiv' }, 'zone-ua');
    await driver.createEvent(tokens, calendarId, { ...write, ...at, title: 'Troll', timeZone: 'Antarctica/Troll' }, 'zone-aq');
    const stored = Object.fromEntries(emulator.state.eventsIn(calendarId).map((e) => [e.subject, [e.timeZone, e.startLocal]]));
    expect(stored).toEqual({
      Nepal: ['Nepal Standard Time', '2030-04-03T15:45:00'],
      Kyiv: ['FLE Standard Time', '2030-04-03T13:00:00'],
      Troll: ['UTC', '2030-04-03T10:00:00'],
    });
    const [page] = await drain(driver.readChanges(tokens, calendarId, { cursor: null, ...WINDOW }));
    expect(page.upserts.map((e) => [e.title, e.start, e.end])).toEqual(expect.arrayContaining(['Nepal', 'Kyiv', 'Troll'].map((t) => [t, at.start, at.end])));
  });

  it('recognises the events it wrote: their key comes back from delta, full and incremental; user events have none', async () => {
    const { calendarId, tokens } = await newUser();
    const ours = await driver.createEvent(tokens, calendarId, write, 'appt-7:v1');
    // Outlook on the web sets a transactionId of its own on what the user creates
    const { event: owa } = emulator.state.createEvent(calendarId, { subject: 'Lunch', transactionId: 'c7555340-474b-cf1f-5bd8-d9e197da220e', start: utc('2030-04-01T11:00:00'), end: utc('2030-04-01T12:00:00') });
    const { event: plain } = emulator.state.createEvent(calendarId, { subject: 'Gym', start: utc('2030-04-01T17:00:00'), end: utc('2030-04-01T18:00:00') });
    const full = await drain(driver.readChanges(tokens, calendarId, { cursor: null, ...WINDOW }));
    expect(Object.fromEntries(full.flatMap((p) => p.upserts).map((e) => [e.externalId, e.clientKey]))).toEqual({ [ours.externalId]: 'appt-7:v1', [owa.id]: null, [plain.id]: null });

    // moved by the user in Outlook: still ours
    emulator.state.updateEvent(ours.externalId, { start: utc('2030-04-01T15:00:00'), end: utc('2030-04-01T15:30:00') });
    const inc = await drain(driver.readChanges(tokens, calendarId, { cursor: full[full.length - 1].nextCursor, ...WINDOW }));
    expect(inc.flatMap((p) => p.upserts).map((e) => [e.externalId, e.clientKey])).toEqual([[ours.externalId, 'appt-7:v1']]);
  });

  it('updates with a new version, and deletes idempotently', async () => {
    const { calendarId, tokens } = await newUser();
    const created = await driver.createEvent(tokens, calendarId, write, 'k-update');
    const updated = await driver.updateEvent(tokens, calendarId, created.externalId, { ...write, start: new Date('2030-04-02T08:00:00Z'), end: new Date('2030-04-02T09:00:00Z') });
    expect(updated.externalId).toBe(created.externalId);
    expect(updated.version).not.toBe(created.version);
    const [page] = await drain(driver.readChanges(tokens, calendarId, { cursor: null, ...WINDOW }));
    expect(page.upserts).toEqual([expect.objectContaining({ start: new Date('2030-04-02T08:00:00Z'), clientKey: 'k-update', version: updated.version, availability: 'BUSY' })]);

    await driver.deleteEvent(tokens, calendarId, created.externalId);
    await driver.deleteEvent(tokens, calendarId, created.externalId);
    expect(emulator.state.eventsIn(calendarId)).toHaveLength(0);
  });
});

describe('push', () => {
  let receiver: Receiver;

  beforeAll(async () => {
    // Answers handshakes the way the service's webhook does: 200 text/plain with the token
    receiver = await startReceiver((req: PushRequest, res: ServerResponse) => {
      const token = driver.validationResponse(req);
      if (token !== null) res.writeHead(200, { 'content-type': 'text/plain' }).end(token);
      else res.writeHead(202).end();
    });
  });

  afterAll(() => receiver.close());

  async function subscribe(tokens: TokenSet, calendarId: string, secret: string) {
    return driver.startPush(tokens, {
      calendarExternalId: calendarId,
      notificationUrl: receiver.url,
      lifecycleNotificationUrl: `${receiver.url}?lifecycle=1`,
      secret,
      expiresAt: new Date(Date.now() + 7 * 86_400_000),
    });
  }

  it('subscribes through the handshake, verifies genuine notices and drops forged ones', async () => {
    const { calendarId, tokens } = await newUser();
    const channel = await subscribe(tokens, calendarId, 'secret-for-this-channel');
    expect(channel.resourceId).toBeNull();
    // Capped below Graph's maximum lifetime for event subscriptions
    expect(channel.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 4230 * 60_000);

    const event = emulator.state.createEvent(calendarId, { subject: 'edited in Outlook', start: utc('2030-02-01T10:00:00'), end: utc('2030-02-01T11:00:00') }).event;
    const notice = await receiver.waitFor((r) => JSON.stringify(r.body).includes(event.id));
    const secretFor = async (ids: readonly string[]) => new Map(ids.filter((id) => id === channel.channelId).map((id) => [id, hashPushSecret('secret-for-this-channel')]));
    expect(await driver.verifyPush(notice, secretFor)).toEqual([{ channelId: channel.channelId, kind: 'changed' }]);

    const forged = JSON.parse(JSON.stringify(notice)) as PushRequest & { body: { value: { clientState: string }[] } };
    forged.body.value[0].clientState = 'secret-for-this-channeL';
    expect(await driver.verifyPush(forged, secretFor)).toEqual([]);
    expect(await driver.verifyPush(notice, async () => new Map())).toEqual([]);
    expect(driver.validationResponse(notice)).toBeNull();

    await emulator.subscriptions.lifecycle(channel.channelId, 'reauthorizationRequired');
    const lifecycle = await receiver.waitFor((r) => r.query.lifecycle === '1' && JSON.stringify(r.body).includes('reauthorizationRequired'));
    expect(await driver.verifyPush(lifecycle, secretFor)).toEqual([{ channelId: channel.channelId, kind: 'reauthorizationRequired' }]);

    const renewed = await driver.renewPush(tokens, channel, { calendarExternalId: calendarId, notificationUrl: receiver.url, secret: 'secret-for-this-channel', expiresAt: new Date(Date.now() + 86_400_000) });
    expect(renewed.channelId).toBe(channel.channelId);
    await driver.stopPush(tokens, renewed);
    await driver.stopPush(tokens, renewed);
    expect(emulator.state.subscriptions.has(channel.channelId)).toBe(false);
  });

  it('fails with PushSetupFailedError when the handshake is refused', async () => {
    const { account, calendarId, tokens } = await newUser();
    emulator.addFault({ kind: 'refuseValidation', account: account.id, times: 1 });
    await expect(subscribe(tokens, calendarId, 's')).rejects.toBeInstanceOf(PushSetupFailedError);

    // A receiver that does not echo the token
    const silent = await startReceiver((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('nope'));
    try {
      await expect(driver.startPush(tokens, { calendarExternalId: calendarId, notificationUrl: silent.url, secret: 's', expiresAt: new Date(Date.now() + 3_600_000) })).rejects.toBeInstanceOf(
        PushSetupFailedError,
      );
    } finally {
      await silent.close();
    }
    expect(emulator.subscriptions.list(account)).toEqual([]);
  });
});
