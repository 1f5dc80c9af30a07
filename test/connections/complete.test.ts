import jwt from 'jsonwebtoken';
import {
  CalendarConfigurationDocument,
  CompleteConnectionDocument,
  ConnectionsDocument,
  Provider,
  SetCrossLocationPolicyDocument,
  UpdateCalendarConfigurationDocument,
} from '../generated/graphql';
import { newTenant, scalar, uniqueEmail } from '../support/connect-flow';
import { useEmulatedService } from '../support/emulated-service';
import { insertAgency, insertLocation, insertUser } from '../support/fixtures';
import { codeOf, GqlResult, TEST_JWT_SECRET } from '../support/test-app';

// completeConnection over GraphQL against both emulators: the happy paths, the state rules, and
// PRODUCT.md's account rules in order, also under concurrent completions.

const READ_ONLY_OUTLOOK = ['User.Read', 'Calendars.Read', 'Calendars.Read.Shared'];

describe('completeConnection', () => {
  const s = useEmulatedService();

  /** A fresh Outlook work account (own tenant per domain), optionally with more calendars. */
  function outlookWork(opts: { calendars?: string[]; consentScopes?: string[] } = {}) {
    const email = uniqueEmail('work', `contoso-${Math.random().toString(36).slice(2, 8)}.test`);
    return s.emu.microsoft.addAccount({ email, displayName: 'Work User', ...opts });
  }
  function google(opts: { calendarGrant?: 'readonly' | 'readwrite'; calendars?: Array<{ summary: string; accessRole?: 'owner' | 'writer' | 'reader' }> } = {}) {
    return s.emu.google.addAccount({ email: uniqueEmail('gmail', 'gmail.test'), ...opts });
  }
  const rows = (sql: string, params: unknown[] = []) => scalar(s.ds(), sql, params);
  const errorOf = (r: GqlResult<unknown>) => ({ code: codeOf(r), message: r.errors?.[0]?.message ?? '' });
  const sorted = <T extends { name: string }>(list: T[]) => [...list].sort((a, b) => a.name.localeCompare(b.name));

  describe('happy paths', () => {
    test('Outlook work account: calendars with canWrite per access and scope; the default calendar becomes a conflict calendar with push', async () => {
      const w = await newTenant(s.ds());
      const me = outlookWork({ calendars: ['Team Calendar'] });
      const colleague = outlookWork();
      const boss = outlookWork();
      const readable = s.emu.microsoft.state.addCalendar(colleague.id, 'Colleague (read)');
      const writable = s.emu.microsoft.state.addCalendar(boss.id, 'Boss (write)');
      s.emu.microsoft.state.shareCalendar(readable.id, me.id, 'reader');
      s.emu.microsoft.state.shareCalendar(writable.id, me.id, 'writer');

      const conn = await s.flow.connected(w.userA, w.locA, 'OUTLOOK', me.userPrincipalName);
      expect(conn).toMatchObject({ provider: 'OUTLOOK', accountEmail: me.userPrincipalName, status: 'ACTIVE', lastError: null, user: { id: w.userA }, location: { id: w.locA } });
      // The default calendar's first sync was queued by the connect (it may have started by the time the mutation answered), and has run since.
      expect(['QUEUED', 'SYNCING']).toContain(conn.syncState);
      const listed = (await s.t.gql(ConnectionsDocument, { locationId: w.locA }, s.t.tokenFor(w.userA))).data!.connections[0];
      expect(listed).toMatchObject({ id: conn.id, syncState: 'IDLE', lastSyncedAt: expect.any(String) });
      expect(sorted(conn.calendars).map(({ name, canWrite, isDefault, provider }) => ({ name, canWrite, isDefault, provider }))).toEqual([
        { name: 'Boss (write)', canWrite: true, isDefault: false, provider: 'OUTLOOK' },
        { name: 'Calendar', canWrite: true, isDefault: true, provider: 'OUTLOOK' },
        { name: 'Colleague (read)', canWrite: false, isDefault: false, provider: 'OUTLOOK' },
        { name: 'Team Calendar', canWrite: true, isDefault: false, provider: 'OUTLOOK' },
      ]);
      expect(conn.calendars.every((c) => c.connection.id === conn.id)).toBe(true);

      // Identified by tenant id + object id, never by email.
      const [row] = await s.ds().query(`SELECT account_external_id, granted_scopes FROM connections WHERE id = $1`, [conn.id]);
      expect(row.account_external_id).toBe(`${me.tid}.${me.oid}`);
      expect(row.granted_scopes).toEqual(expect.arrayContaining(['Calendars.ReadWrite', 'Calendars.ReadWrite.Shared']));

      // No conflict calendar before: the provider's default calendar is one now, and it is pushed.
      const defaultCal = conn.calendars.find((c) => c.isDefault)!;
      const cfg = (await s.t.gql(CalendarConfigurationDocument, { locationId: w.locA }, s.t.tokenFor(w.userA))).data!.calendarConfiguration;
      expect(cfg.conflictCalendars.map((c) => c.id)).toEqual([defaultCal.id]);
      expect(cfg.linkedCalendar).toBeNull();
      const subs = [...s.emu.microsoft.state.subscriptions.values()].filter((sub) => sub.accountId === me.id);
      expect(subs.map((sub) => sub.calendarId)).toEqual([me.defaultCalendarId]);
      expect(subs[0].notificationUrl).toBe(`${s.t.app.config.PUBLIC_URL}/webhooks/outlook`);
      expect(await rows(`SELECT count(*) FROM push_channels WHERE connection_id = $1 AND channel_id = $2`, [conn.id, subs[0].id])).toBe(1);
    });

    test('personal outlook.com account without mail: accountEmail is the userPrincipalName', async () => {
      const w = await newTenant(s.ds());
      const me = s.emu.microsoft.addAccount({ email: uniqueEmail('sam', 'outlook.com'), kind: 'personal', displayName: 'Sam' });
      expect(me.mail).toBeNull();
      const conn = await s.flow.connected(w.userA, w.locA, 'OUTLOOK', me.userPrincipalName);
      expect(conn).toMatchObject({ provider: 'OUTLOOK', accountEmail: me.userPrincipalName, status: 'ACTIVE' });
      expect(conn.calendars).toEqual([expect.objectContaining({ name: 'Calendar', isDefault: true, canWrite: true })]);
      expect(await rows(`SELECT count(*) FROM connections WHERE id = $1 AND account_external_id = $2`, [conn.id, `${me.tid}.${me.oid}`])).toBe(1);
    });

    test('Outlook read-only consent: every calendar is read-only', async () => {
      const w = await newTenant(s.ds());
      const me = outlookWork({ calendars: ['Team Calendar'], consentScopes: READ_ONLY_OUTLOOK });
      const conn = await s.flow.connected(w.userA, w.locA, 'OUTLOOK', me.userPrincipalName);
      expect(conn.calendars).toHaveLength(2);
      expect(conn.calendars.every((c) => !c.canWrite)).toBe(true);
    });

    test('Google: calendars with canWrite per access role; the primary calendar is the default', async () => {
      const w = await newTenant(s.ds());
      const me = google({ calendars: [{ summary: 'Team', accessRole: 'owner' }, { summary: 'Shared with me', accessRole: 'writer' }, { summary: 'Holidays', accessRole: 'reader' }] });
      const conn = await s.flow.connected(w.userA, w.locA, 'GOOGLE', me.email);
      expect(conn).toMatchObject({ provider: 'GOOGLE', accountEmail: me.email, status: 'ACTIVE', user: { id: w.userA }, location: { id: w.locA } });
      expect(['QUEUED', 'SYNCING']).toContain(conn.syncState);
      expect(sorted(conn.calendars).map(({ name, canWrite, isDefault, provider }) => ({ name, canWrite, isDefault, provider }))).toEqual([
        { name: 'Holidays', canWrite: false, isDefault: false, provider: 'GOOGLE' },
        { name: me.email, canWrite: true, isDefault: true, provider: 'GOOGLE' },
        { name: 'Shared with me', canWrite: true, isDefault: false, provider: 'GOOGLE' },
        { name: 'Team', canWrite: true, isDefault: false, provider: 'GOOGLE' },
      ].sort((a, b) => a.name.localeCompare(b.name)));
      expect(await rows(`SELECT count(*) FROM connections WHERE id = $1 AND account_external_id = $2`, [conn.id, me.sub])).toBe(1);

      // The primary calendar is the conflict calendar now, with a watch channel at the emulator.
      const primary = conn.calendars.find((c) => c.isDefault)!;
      const cfg = (await s.t.gql(CalendarConfigurationDocument, { locationId: w.locA }, s.t.tokenFor(w.userA))).data!.calendarConfiguration;
      expect(cfg.conflictCalendars.map((c) => c.id)).toEqual([primary.id]);
      const channels = [...s.emu.google.push.channels.values()].filter((c) => c.sub === me.sub && !c.stopped);
      expect(channels.map((c) => c.calendarId)).toEqual([me.email]);
      expect(channels[0].address).toBe(`${s.t.app.config.PUBLIC_URL}/webhooks/google`);
    });

    test('Google read-only grant: every calendar is read-only, even those the account owns', async () => {
      const w = await newTenant(s.ds());
      const me = google({ calendarGrant: 'readonly', calendars: [{ summary: 'Team', accessRole: 'owner' }] });
      const conn = await s.flow.connected(w.userA, w.locA, 'GOOGLE', me.email);
      expect(conn.calendars).toHaveLength(2);
      expect(conn.calendars.every((c) => !c.canWrite)).toBe(true);
      const [row] = await s.ds().query(`SELECT granted_scopes FROM connections WHERE id = $1`, [conn.id]);
      expect(row.granted_scopes).toContain('https://www.googleapis.com/auth/calendar.readonly');
      expect(row.granted_scopes).not.toContain('https://www.googleapis.com/auth/calendar');
    });

    test('Google and Outlook connected at once; the second default calendar is not added when the user has a conflict calendar already', async () => {
      const w = await newTenant(s.ds());
      const g = google();
      const o = outlookWork();
      const gc = await s.flow.connected(w.userA, w.locA, 'GOOGLE', g.email);
      const oc = await s.flow.connected(w.userA, w.locA, 'OUTLOOK', o.userPrincipalName);
      const list = (await s.t.gql(ConnectionsDocument, { locationId: w.locA }, s.t.tokenFor(w.userA))).data!.connections;
      expect(list.map((c) => [c.id, c.provider, c.status])).toEqual([
        [gc.id, 'GOOGLE', 'ACTIVE'],
        [oc.id, 'OUTLOOK', 'ACTIVE'],
      ]);
      const cfg = (await s.t.gql(CalendarConfigurationDocument, { locationId: w.locA }, s.t.tokenFor(w.userA))).data!.calendarConfiguration;
      expect(cfg.conflictCalendars.map((c) => c.id)).toEqual([gc.calendars.find((c) => c.isDefault)!.id]);
    });

    test('the browser-less client may use the redirect it received: the code and state in the callback URL', async () => {
      const w = await newTenant(s.ds());
      const g = google();
      const a = await s.flow.authorize(w.userA, w.locA, 'GOOGLE', g.email);
      const cb = new URL(a.callbackUrl);
      expect(`${cb.origin}${cb.pathname}`).toBe(`${s.t.app.config.PUBLIC_URL}/oauth/google/callback`);
      expect(cb.searchParams.get('state')).toBe(a.state);
      const r = await s.flow.complete(w.userA, cb.searchParams.get('state')!, cb.searchParams.get('code')!);
      expect(r.errors).toBeUndefined();
    });
  });

  describe('the state', () => {
    test('a reused state → OAUTH_STATE_INVALID', async () => {
      const w = await newTenant(s.ds());
      const g = google();
      const a = await s.flow.authorize(w.userA, w.locA, 'GOOGLE', g.email);
      expect((await s.flow.complete(w.userA, a.state, a.code)).errors).toBeUndefined();
      expect(codeOf(await s.flow.complete(w.userA, a.state, a.code))).toBe('OAUTH_STATE_INVALID');
      // Even with a fresh code from the provider.
      const fresh = await s.flow.follow(a.authorizationUrl);
      expect(codeOf(await s.flow.complete(w.userA, a.state, fresh.code))).toBe('OAUTH_STATE_INVALID');
    });

    test('an expired state → OAUTH_STATE_INVALID (signed expiry, and the stored one)', async () => {
      const w = await newTenant(s.ds());
      const g = google();
      const a = await s.flow.authorize(w.userA, w.locA, 'GOOGLE', g.email);
      // The same claims, re-signed with the service's secret but with an expiry in the past.
      const { n, u, l, p } = jwt.decode(a.state) as { n: string; u: string; l: string; p: string };
      const expired = jwt.sign({ n, u, l, p, exp: Math.floor(Date.now() / 1000) - 5 }, TEST_JWT_SECRET, { algorithm: 'HS256', audience: 'oauth-state' });
      const r = await s.flow.complete(w.userA, expired, a.code);
      expect(errorOf(r)).toEqual({ code: 'OAUTH_STATE_INVALID', message: expect.stringContaining('expired') });

      // A state whose signature is still valid but whose stored attempt ran out.
      const b = await s.flow.authorize(w.userA, w.locA, 'GOOGLE', g.email);
      const nonce = (jwt.decode(b.state) as { n: string }).n;
      await s.ds().query(`UPDATE oauth_states SET expires_at = now() - interval '1 second' WHERE nonce = $1`, [nonce]);
      expect(codeOf(await s.flow.complete(w.userA, b.state, b.code))).toBe('OAUTH_STATE_INVALID');
      expect(await rows(`SELECT count(*) FROM connections WHERE user_id = $1`, [w.userA])).toBe(0);
    });

    test('a forged state → OAUTH_STATE_INVALID', async () => {
      const w = await newTenant(s.ds());
      const g = google();
      const a = await s.flow.authorize(w.userA, w.locA, 'GOOGLE', g.email);
      const claims = jwt.decode(a.state) as { n: string; u: string; l: string; p: string };
      const forgedSecret = jwt.sign({ n: claims.n, u: claims.u, l: claims.l, p: claims.p }, 'another-secret-another-secret-another-secret', { algorithm: 'HS256', audience: 'oauth-state', expiresIn: 600 });
      const unknownNonce = jwt.sign({ n: 'made-up-nonce', u: claims.u, l: claims.l, p: claims.p }, TEST_JWT_SECRET, { algorithm: 'HS256', audience: 'oauth-state', expiresIn: 600 });
      // The genuine signature over a payload edited to name another location.
      const [header, , signature] = a.state.split('.');
      const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, l: w.locB })).toString('base64url')}.${signature}`;
      const unsigned = jwt.sign({ n: claims.n, u: claims.u, l: claims.l, p: claims.p, aud: 'oauth-state' }, '', { algorithm: 'none' });
      for (const state of [forgedSecret, unknownNonce, tampered, unsigned, 'garbage', a.state.slice(0, -3) + 'abc']) {
        expect(codeOf(await s.flow.complete(w.userA, state, a.code))).toBe('OAUTH_STATE_INVALID');
      }
      // The genuine state still works afterwards.
      expect((await s.flow.complete(w.userA, a.state, a.code)).errors).toBeUndefined();
    });

    test("another user's state → OAUTH_STATE_INVALID, and it stays usable by its owner", async () => {
      const w = await newTenant(s.ds());
      const g = google();
      const a = await s.flow.authorize(w.userA, w.locA, 'GOOGLE', g.email);
      expect(codeOf(await s.flow.complete(w.userA2, a.state, a.code))).toBe('OAUTH_STATE_INVALID');
      expect(codeOf(await s.flow.complete(w.accountAdminA, a.state, a.code))).toBe('OAUTH_STATE_INVALID');
      expect(codeOf(await s.flow.complete(w.agencyAdmin, a.state, a.code))).toBe('OAUTH_STATE_INVALID');
      expect(codeOf(await s.t.gql(CompleteConnectionDocument, { state: a.state, code: a.code }, s.t.serviceToken))).toBe('OAUTH_STATE_INVALID');
      expect(codeOf(await s.t.gql(CompleteConnectionDocument, { state: a.state, code: a.code }, null))).toBe('UNAUTHENTICATED');
      expect(await rows(`SELECT count(*) FROM connections WHERE account_external_id = $1`, [g.sub])).toBe(0);
      const mine = await s.flow.complete(w.userA, a.state, a.code);
      expect(mine.errors).toBeUndefined();
      expect(mine.data!.completeConnection.user.id).toBe(w.userA);
    });

    test.each<Provider>(['OUTLOOK', 'GOOGLE'])('%s: a code the provider refuses → OAUTH_STATE_INVALID, and that state is spent', async (provider) => {
      const w = await newTenant(s.ds());
      const hint = provider === 'OUTLOOK' ? outlookWork().userPrincipalName : google().email;
      const a = await s.flow.authorize(w.userA, w.locA, provider, hint);
      expect(codeOf(await s.flow.complete(w.userA, a.state, 'not-a-code-the-provider-issued'))).toBe('OAUTH_STATE_INVALID');
      expect(codeOf(await s.flow.complete(w.userA, a.state, a.code))).toBe('OAUTH_STATE_INVALID');

      // A genuine code of another attempt fails PKCE (the verifier belongs to this state).
      const b = await s.flow.authorize(w.userA, w.locA, provider, hint);
      const c = await s.flow.authorize(w.userA, w.locA, provider, hint);
      expect(codeOf(await s.flow.complete(w.userA, b.state, c.code))).toBe('OAUTH_STATE_INVALID');
      expect(await rows(`SELECT count(*) FROM connections WHERE user_id = $1`, [w.userA])).toBe(0);
      // An empty code is a shape error.
      expect(codeOf(await s.flow.complete(w.userA, c.state, '  '))).toBe('BAD_USER_INPUT');
    });
  });

  describe('account rules', () => {
    test('on-premises Exchange mailbox → UNSUPPORTED_ACCOUNT and nothing is kept', async () => {
      const w = await newTenant(s.ds());
      const onPrem = s.emu.microsoft.addAccount({ email: uniqueEmail('pat', 'fabrikam-onprem.test'), kind: 'onPremises' });
      const r = await s.flow.connect(w.userA, w.locA, 'OUTLOOK', onPrem.userPrincipalName);
      expect(codeOf(r)).toBe('UNSUPPORTED_ACCOUNT');
      expect(r.errors![0].message).toMatch(/on-premises Exchange/);
      expect(r.errors![0].message).toMatch(/Office 365/);
      for (const table of ['connections', 'calendar_configurations', 'conflict_calendars', 'provider_accounts']) {
        expect(await rows(`SELECT count(*) FROM ${table} WHERE user_id = $1`, [w.userA])).toBe(0);
      }
      expect(await rows(`SELECT count(*) FROM provider_accounts WHERE external_id = $1`, [`${onPrem.tid}.${onPrem.oid}`])).toBe(0);
      expect([...s.emu.microsoft.state.subscriptions.values()].filter((sub) => sub.accountId === onPrem.id)).toHaveLength(0);
    });

    test.each<Provider>(['OUTLOOK', 'GOOGLE'])('%s: an account connected by another user, anywhere in the service → ACCOUNT_CONNECTED_TO_ANOTHER_USER naming it, with the workaround', async (provider) => {
      const w = await newTenant(s.ds());
      const hint = provider === 'OUTLOOK' ? outlookWork().userPrincipalName : google().email;
      const first = await s.flow.connected(w.userA, w.locA, provider, hint);

      // A colleague in the same location, and a user of another agency altogether.
      const otherAgency = await insertAgency(s.ds());
      const otherLoc = await insertLocation(s.ds(), otherAgency);
      const stranger = await insertUser(s.ds(), otherAgency, 'ACCOUNT', 'USER', [otherLoc]);
      for (const [user, loc] of [
        [w.userA2, w.locA],
        [stranger, otherLoc],
      ]) {
        const r = await s.flow.connect(user, loc, provider, hint);
        expect(codeOf(r)).toBe('ACCOUNT_CONNECTED_TO_ANOTHER_USER');
        const message = r.errors![0].message;
        expect(message).toContain(hint);
        expect(message).toMatch(/connect a different .* account/i);
        expect(message).toMatch(/share the calendar/i);
        expect(r.errors![0].extensions?.account).toBe(hint);
      }
      expect(await rows(`SELECT count(*) FROM connections WHERE provider = $1 AND account_external_id = (SELECT account_external_id FROM connections WHERE id = $2)`, [provider, first.id])).toBe(1);
      expect(await rows(`SELECT count(*) FROM connections WHERE user_id = ANY($1)`, [[w.userA2, stranger]])).toBe(0);
    });

    test('the same user in another location: DENY (default) → ACCOUNT_IN_ANOTHER_LOCATION; ALLOW_SAME_USER → connected in both', async () => {
      const w = await newTenant(s.ds());
      const o = outlookWork();
      const inA = await s.flow.connected(w.userAB, w.locA, 'OUTLOOK', o.userPrincipalName);
      const denied = await s.flow.connect(w.userAB, w.locB, 'OUTLOOK', o.userPrincipalName);
      expect(codeOf(denied)).toBe('ACCOUNT_IN_ANOTHER_LOCATION');
      expect(denied.errors![0].message).toContain(o.userPrincipalName);
      expect(await rows(`SELECT count(*) FROM connections WHERE user_id = $1 AND location_id = $2`, [w.userAB, w.locB])).toBe(0);

      const policy = await s.t.gql(SetCrossLocationPolicyDocument, { agencyId: w.agencyId, policy: 'ALLOW_SAME_USER' }, s.t.tokenFor(w.agencyAdmin));
      expect(policy.errors).toBeUndefined();
      const inB = await s.flow.connected(w.userAB, w.locB, 'OUTLOOK', o.userPrincipalName);
      expect(inB.id).not.toBe(inA.id);
      expect(inB.location.id).toBe(w.locB);
      expect(await rows(`SELECT count(*) FROM connections WHERE account_external_id = $1`, [`${o.tid}.${o.oid}`])).toBe(2);
      expect(await rows(`SELECT count(*) FROM provider_accounts WHERE external_id = $1`, [`${o.tid}.${o.oid}`])).toBe(1);
      // Still nobody else's.
      expect(codeOf(await s.flow.connect(w.userB, w.locB, 'OUTLOOK', o.userPrincipalName))).toBe('ACCOUNT_CONNECTED_TO_ANOTHER_USER');
    });

    test.each<Provider>(['OUTLOOK', 'GOOGLE'])('%s: a different account of the same provider already connected here → ACCOUNT_ALREADY_CONNECTED', async (provider) => {
      const w = await newTenant(s.ds());
      const [first, second] = provider === 'OUTLOOK' ? [outlookWork().userPrincipalName, outlookWork().userPrincipalName] : [google().email, google().email];
      const conn = await s.flow.connected(w.userA, w.locA, provider, first);
      const r = await s.flow.connect(w.userA, w.locA, provider, second);
      expect(codeOf(r)).toBe('ACCOUNT_ALREADY_CONNECTED');
      expect(r.errors![0].message).toContain(first);
      const list = (await s.t.gql(ConnectionsDocument, { locationId: w.locA }, s.t.tokenFor(w.userA))).data!.connections;
      expect(list.map((c) => c.id)).toEqual([conn.id]);
      // The refused account is not held for this user: someone else may connect it.
      expect((await s.flow.connect(w.userA2, w.locA, provider, second)).errors).toBeUndefined();
    });

    test.each<Provider>(['OUTLOOK', 'GOOGLE'])('%s: the same account again re-authorizes in place, keeping the configuration', async (provider) => {
      const w = await newTenant(s.ds());
      const hint = provider === 'OUTLOOK' ? outlookWork({ calendars: ['Second'] }).userPrincipalName : google({ calendars: [{ summary: 'Second' }] }).email;
      const conn = await s.flow.connected(w.userA, w.locA, provider, hint);
      const def = conn.calendars.find((c) => c.isDefault)!;
      const second = conn.calendars.find((c) => c.name === 'Second')!;
      const configured = await s.t.gql(
        UpdateCalendarConfigurationDocument,
        { input: { locationId: w.locA, linkedCalendarId: second.id, conflictCalendarIds: [def.id], hideEventDetails: true, syncDirection: 'ONE_WAY' } },
        s.t.tokenFor(w.userA),
      );
      expect(configured.errors).toBeUndefined();
      const [before] = await s.ds().query(`SELECT credentials FROM connections WHERE id = $1`, [conn.id]);

      const again = await s.flow.connected(w.userA, w.locA, provider, hint);
      expect(again.id).toBe(conn.id);
      expect(again.status).toBe('ACTIVE');
      expect(again.calendars.map((c) => c.id).sort()).toEqual(conn.calendars.map((c) => c.id).sort());
      const [after] = await s.ds().query(`SELECT credentials FROM connections WHERE id = $1`, [conn.id]);
      expect(after.credentials).not.toBe(before.credentials); // new tokens

      const cfg = (await s.t.gql(CalendarConfigurationDocument, { locationId: w.locA }, s.t.tokenFor(w.userA))).data!.calendarConfiguration;
      expect(cfg.linkedCalendar?.id).toBe(second.id);
      expect(cfg.conflictCalendars.map((c) => c.id).sort()).toEqual([def.id, second.id].sort());
      expect(cfg.hideEventDetails).toBe(true);
      expect(cfg.syncDirection).toBe('ONE_WAY');
      expect(await rows(`SELECT count(*) FROM connections WHERE user_id = $1`, [w.userA])).toBe(1);
    });
    test.each<Provider>(['OUTLOOK', 'GOOGLE'])('%s: re-authorizing keeps an empty selection empty (the default calendar is added for a new connection only)', async (provider) => {
      const w = await newTenant(s.ds());
      const hint = provider === 'OUTLOOK' ? outlookWork().userPrincipalName : google().email;
      const conn = await s.flow.connected(w.userA, w.locA, provider, hint);
      const cleared = await s.t.gql(UpdateCalendarConfigurationDocument, { input: { locationId: w.locA, conflictCalendarIds: [] } }, s.t.tokenFor(w.userA));
      expect(cleared.data?.updateCalendarConfiguration.conflictCalendars).toEqual([]);
      expect((await s.flow.connected(w.userA, w.locA, provider, hint)).id).toBe(conn.id);
      const cfg = (await s.t.gql(CalendarConfigurationDocument, { locationId: w.locA }, s.t.tokenFor(w.userA))).data!.calendarConfiguration;
      expect(cfg).toMatchObject({ linkedCalendar: null, conflictCalendars: [] });
    });

    test.each<Provider>(['OUTLOOK', 'GOOGLE'])('%s: re-authorizing with a read-only grant unlinks the linked calendar and says why', async (provider) => {
      const w = await newTenant(s.ds());
      const outlook = provider === 'OUTLOOK' ? outlookWork() : null;
      const hint = outlook ? outlook.userPrincipalName : google().email;
      const conn = await s.flow.connected(w.userA, w.locA, provider, hint);
      const def = conn.calendars.find((c) => c.isDefault)!;
      expect((await s.t.gql(UpdateCalendarConfigurationDocument, { input: { locationId: w.locA, linkedCalendarId: def.id, conflictCalendarIds: [] } }, s.t.tokenFor(w.userA))).errors).toBeUndefined();

      // This time the user grants read access only.
      if (outlook) outlook.consentScopes = READ_ONLY_OUTLOOK;
      else s.emu.google.state.account(hint).calendarGrant = 'readonly';
      const again = await s.flow.connected(w.userA, w.locA, provider, hint);
      expect(again).toMatchObject({ id: conn.id, status: 'ACTIVE' });
      expect(again.calendars.every((c) => !c.canWrite)).toBe(true);
      expect(again.lastError).toContain(`The linked calendar "${def.name}" of ${hint} can no longer be written to, so it was unlinked`);
      const cfg = (await s.t.gql(CalendarConfigurationDocument, { locationId: w.locA }, s.t.tokenFor(w.userA))).data!.calendarConfiguration;
      expect(cfg.linkedCalendar).toBeNull();
      expect(cfg.conflictCalendars.map((c) => c.id)).toEqual([def.id]);
      // Linking it again is refused now.
      expect(codeOf(await s.t.gql(UpdateCalendarConfigurationDocument, { input: { locationId: w.locA, linkedCalendarId: def.id, conflictCalendarIds: [] } }, s.t.tokenFor(w.userA)))).toBe(
        'CALENDAR_NOT_WRITABLE',
      );
    });
  });

  describe('concurrent completions', () => {
    test.each<Provider>(['OUTLOOK', 'GOOGLE'])('%s: the same account by two users at once → exactly one wins', async (provider) => {
      const w = await newTenant(s.ds());
      const hint = provider === 'OUTLOOK' ? outlookWork().userPrincipalName : google().email;
      const [a, b] = await Promise.all([s.flow.authorize(w.userA, w.locA, provider, hint), s.flow.authorize(w.userA2, w.locA, provider, hint)]);
      const results = await Promise.all([s.flow.complete(w.userA, a.state, a.code), s.flow.complete(w.userA2, b.state, b.code)]);
      const wins = results.filter((r) => !r.errors);
      expect(wins).toHaveLength(1);
      expect(results.map(codeOf).filter(Boolean)).toEqual(['ACCOUNT_CONNECTED_TO_ANOTHER_USER']);
      const winner = wins[0].data!.completeConnection;
      const external: string = (await s.ds().query(`SELECT account_external_id FROM connections WHERE id = $1`, [winner.id]))[0].account_external_id;
      expect(await rows(`SELECT count(*) FROM connections WHERE provider = $1 AND account_external_id = $2`, [provider, external])).toBe(1);
      expect(await s.ds().query(`SELECT user_id FROM provider_accounts WHERE provider = $1 AND external_id = $2`, [provider, external])).toEqual([{ user_id: winner.user.id }]);
      expect(await rows(`SELECT count(*) FROM provider_calendars pc JOIN connections c ON c.id = pc.connection_id WHERE c.account_external_id = $1`, [external])).toBe(winner.calendars.length);
    });

    test.each<Provider>(['OUTLOOK', 'GOOGLE'])('%s: two different accounts by the same user in one location at once → exactly one wins', async (provider) => {
      const w = await newTenant(s.ds());
      const [h1, h2] = provider === 'OUTLOOK' ? [outlookWork().userPrincipalName, outlookWork().userPrincipalName] : [google().email, google().email];
      const [a, b] = await Promise.all([s.flow.authorize(w.userA, w.locA, provider, h1), s.flow.authorize(w.userA, w.locA, provider, h2)]);
      const results = await Promise.all([s.flow.complete(w.userA, a.state, a.code), s.flow.complete(w.userA, b.state, b.code)]);
      expect(results.filter((r) => !r.errors)).toHaveLength(1);
      expect(results.map(codeOf).filter(Boolean)).toEqual(['ACCOUNT_ALREADY_CONNECTED']);
      expect(await rows(`SELECT count(*) FROM connections WHERE user_id = $1 AND location_id = $2 AND provider = $3`, [w.userA, w.locA, provider])).toBe(1);
      // The loser's account is not left held by anyone.
      expect(await rows(`SELECT count(*) FROM provider_accounts WHERE user_id = $1 AND provider = $2`, [w.userA, provider])).toBe(1);
      expect(await rows(`SELECT count(*) FROM provider_calendars pc JOIN connections c ON c.id = pc.connection_id WHERE c.user_id = $1`, [w.userA])).toBe(1);
    });
  });
});
