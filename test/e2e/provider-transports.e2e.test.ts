import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGoogleEmulator } from '../../emulators/google';
import { startMicrosoftEmulator } from '../../emulators/microsoft';
import { testTls } from '../../emulators/tls/test-ca';
import { GoogleCalendarDriver } from '../../src/providers/google/google.driver';
import { FreeSlotsDocument, Provider, ResyncConnectionDocument, StartConnectionDocument } from '../generated/graphql';
import { ConnectFlow, emulatorEnv, newTenant, uniqueEmail, type Emulators } from '../support/connect-flow';
import { book, heldEvents, iso, linkedMember, NOW, ok } from '../support/outbox-world';
import { googleEvent, outlookEvent } from '../support/provider-events';
import { startTestApp, type TestApp } from '../support/test-app';

// Provider fakes as an operator may run them, configured only through the documented variables: Microsoft
// identity and Graph over plain http (msal and the Graph client refuse http themselves), Google over https with
// a private CA given in PROVIDER_CA_FILE (NODE_EXTRA_CA_CERTS does not name it).

describe('provider endpoints over plain http (Microsoft) and https with a private CA (Google)', () => {
  let emu: Emulators;
  let t: TestApp;
  let flow: ConnectFlow;
  let dir: string;

  beforeAll(async () => {
    const tls = testTls();
    // One event per page: a sync follows Graph's nextLink (an http URL at the fake) and keeps its deltaLink
    const [microsoft, google] = await Promise.all([
      startMicrosoftEmulator({ port: 0, seedDemo: false, plainHttp: true, maxPageSize: 1 }),
      startGoogleEmulator({ port: 0, tls }),
    ]);
    dir = mkdtempSync(join(tmpdir(), 'calbridge-transports-'));
    const caFile = join(dir, 'fake-ca.pem');
    writeFileSync(caFile, tls.caPem);
    const env = emulatorEnv(microsoft, google, caFile);
    emu = { microsoft, google, env, close: async () => void (await Promise.all([microsoft.close(), google.close()])) };
    t = await startTestApp(env, undefined, { sync: { pageSize: 2 } });
    t.app.services.clock.now = () => NOW;
    flow = new ConnectFlow(t, emu);
  });
  afterAll(async () => {
    await t?.stop();
    await emu?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the fakes really are http (Microsoft) and https (Google)', () => {
    expect(emu.env.MICROSOFT_AUTHORITY).toMatch(/^http:\/\//);
    expect(emu.env.MICROSOFT_GRAPH_URL).toMatch(/^http:\/\//);
    expect(emu.env.GOOGLE_TOKEN_URL).toMatch(/^https:\/\//);
    expect(emu.env.GOOGLE_API_URL).toMatch(/^https:\/\//);
  });

  test("the browser is sent to the Microsoft authorize page as configured (http), not to msal's https form", async () => {
    const w = await newTenant(t.app.ds);
    const started = ok(await t.gql(StartConnectionDocument, { locationId: w.locA, provider: 'OUTLOOK' }, t.tokenFor(w.userA))).startConnection;
    expect(started.authorizationUrl.startsWith(`${emu.microsoft.authority}/oauth2/v2.0/authorize?`)).toBe(true);
  });

  test.each<Provider>(['OUTLOOK', 'GOOGLE'])('%s: Cancel on the consent page (http Microsoft, https Google) sends the user back with access_denied and the state', async (provider) => {
    const w = await newTenant(t.app.ds);
    const hint = provider === 'OUTLOOK' ? emu.microsoft.addAccount({ email: uniqueEmail('deny', 'contoso-transports.test') }).userPrincipalName : emu.google.addAccount({ email: uniqueEmail('deny', 'gmail.test') }).email;
    const started = ok(await t.gql(StartConnectionDocument, { locationId: w.locA, provider, loginHint: hint }, t.tokenFor(w.userA))).startConnection;
    const back = new URL(await flow.deny(provider, started.authorizationUrl));
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBe(started.state);
  });

  test.each<Provider>(['OUTLOOK', 'GOOGLE'])('%s: connect and list calendars, sync events across pages, then write a booking', async (provider) => {
    const m = await linkedMember(t, emu, flow, provider, { conflict: true });
    const add = (title: string, at: string) => {
      const e = { title, start: new Date(iso(at)), end: new Date(iso(at.replace(':00', ':30'))) };
      return provider === 'OUTLOOK' ? outlookEvent(emu, m.calendarExternalId, e) : googleEvent(emu, m.calendarExternalId, e);
    };
    add('Dentist', '2030-06-03T10:00');
    add('School run', '2030-06-03T13:00');
    add('Gym', '2030-06-03T15:00');
    ok(await t.gql(ResyncConnectionDocument, { connectionId: m.connectionId }, t.tokenFor(m.userId)));
    await t.app.whenIdle();

    const [{ titles }] = await t.app.ds.query(`SELECT array_agg(title ORDER BY start_time) AS titles FROM external_events WHERE provider_calendar_id = $1`, [m.providerCalendarId]);
    expect(titles).toEqual(['Dentist', 'School run', 'Gym']);
    const free = ok(await t.gql(FreeSlotsDocument, { calendarId: m.crmCalendarId, from: iso('2030-06-03T09:00'), to: iso('2030-06-03T12:00') }, t.tokenFor(m.userId))).freeSlots;
    expect(free.map((s) => s.startTime)).not.toContain(iso('2030-06-03T10:00'));

    const booked = ok(await book(t, m, '2030-06-03T11:00', { title: 'Intro call' })).bookAppointment;
    await t.app.services.outbox.whenIdle();
    expect(heldEvents(emu, m).filter((e) => e.title === 'Intro call')).toEqual([expect.objectContaining({ start: new Date(booked.startTime) })]);
    if (provider === 'OUTLOOK') {
      // Several delta pages were read, so nextLink (and later the stored deltaLink) went back to the http fake
      expect(emu.microsoft.requestLog.list({ account: m.account, method: 'GET', path: /calendarView\/delta/ }).filter((e) => /\$skiptoken/.test(e.query)).length).toBeGreaterThan(1);
    }
  });

  test('Google over https with a private CA fails without that CA and works with it (PROVIDER_CA_FILE, not NODE_EXTRA_CA_CERTS)', async () => {
    const urls = { clientId: 'calbridge-ca', clientSecret: 'ca', authUrl: emu.google.authUrl, tokenUrl: emu.google.tokenUrl, apiUrl: emu.google.apiUrl };
    const once = { maxAttempts: 1, baseDelayMs: 1, maxWaitMs: 1 };
    const refresh = async (driver: GoogleCalendarDriver) => driver.refresh({ accessToken: 'x', refreshToken: 'not-a-token', expiresAt: new Date(0), grantedScopes: [], driverState: null });
    const without = new GoogleCalendarDriver(urls, once);
    const withCa = new GoogleCalendarDriver({ ...urls, caPem: testTls().caPem }, once);
    try {
      // Unreachable (certificate refused) versus a real answer from the fake (the token is unknown there)
      await expect(refresh(without)).rejects.toMatchObject({ name: 'ProviderUnavailableError' });
      await expect(refresh(withCa)).rejects.toMatchObject({ name: 'GrantRevokedError' });
    } finally {
      withCa.close();
    }
  });
});
