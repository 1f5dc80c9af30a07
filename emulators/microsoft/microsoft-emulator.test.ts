// The emulator's protocol behaviour, spoken to over raw HTTPS (no Microsoft client libraries).
import { createHash, createPublicKey, createVerify, randomBytes, type JsonWebKey } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startMicrosoftEmulator, type MicrosoftEmulator } from './microsoft-emulator';
import { call } from './test-https.helper';

const REDIRECT = 'https://app.test/callback';
let em: MicrosoftEmulator;

beforeAll(async () => {
  em = await startMicrosoftEmulator();
});
afterAll(() => em.close());

function authorizeUrl(extra: Record<string, string> = {}) {
  const verifier = randomBytes(32).toString('base64url');
  const q = new URLSearchParams({
    client_id: 'app',
    response_type: 'code',
    redirect_uri: REDIRECT,
    scope: 'openid offline_access User.Read Calendars.ReadWrite',
    state: 'st-1',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    ...extra,
  });
  return { url: `${em.authority}/oauth2/v2.0/authorize?${q}`, verifier };
}

async function tokensFor(email: string) {
  const { url, verifier } = authorizeUrl({ login_hint: email });
  const code = new URL((await call(url, em.caPem)).headers.location as string).searchParams.get('code')!;
  const res = await call(`${em.authority}/oauth2/v2.0/token`, em.caPem, { form: { client_id: 'app', client_secret: 's', grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT } });
  return res.json<{ access_token: string; refresh_token: string; id_token: string; client_info: string; scope: string }>();
}

type OnlineEventJson = { id: string; onlineMeeting: { joinUrl: string }; attendees: unknown[] } & Record<string, unknown>;

const graph = (token: string, path: string, init: Parameters<typeof call>[2] = {}) =>
  call(`${em.graphUrl}${path}`, em.caPem, { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } });

describe('identity platform', () => {
  it('serves an HTML authorize page whose Accept and Cancel buttons a browser can submit', async () => {
    const { url } = authorizeUrl();
    const page = await call(url, em.caPem);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).toContain('alex.wilber@contoso.com');
    expect(page.text).toContain('>Accept</button>');
    expect(page.text).toContain('>Cancel</button>');

    const action = /<form method="post" action="([^"]+)"/.exec(page.text)![1];
    const request = /name="request" value="([^"]+)"/.exec(page.text)![1].replace(/&amp;/g, '&');
    const accept = await call(`${em.origin}${action}`, em.caPem, { form: { request, account: 'sam.taylor@outlook.com', decision: 'accept' } });
    expect(accept.status).toBe(302);
    const back = new URL(accept.headers.location as string);
    expect(back.origin + back.pathname).toBe(REDIRECT);
    expect(back.searchParams.get('state')).toBe('st-1');
    expect(back.searchParams.get('code')).toBeTruthy();

    const cancel = await call(`${em.origin}${action}`, em.caPem, { form: { request, decision: 'cancel' } });
    const denied = new URL(cancel.headers.location as string);
    expect([denied.searchParams.get('error'), denied.searchParams.get('state')]).toEqual(['access_denied', 'st-1']);
  });

  it('with login_hint and prompt=login shows the page anyway: that account first, the test accounts below with their purpose', async () => {
    const page = (await call(authorizeUrl({ login_hint: 'sam.taylor@outlook.com', prompt: 'login' }).url, em.caPem)).text;
    expect(page).toContain('<h1>Signing in as sam.taylor@outlook.com</h1>');
    const order = [...page.matchAll(/data-account="([^"]+)"/g)].map((m) => m[1]);
    expect(order[0]).toBe('sam.taylor@outlook.com');
    expect(order).toContain('pat.onprem@fabrikam.com');
    const heading = page.indexOf('Other test accounts, for trying the error cases');
    expect(page.indexOf('data-account="sam.taylor@outlook.com"')).toBeLessThan(heading);
    expect(page.indexOf('data-account="pat.onprem@fabrikam.com"')).toBeGreaterThan(heading);
    expect(page).toContain('on-premises Exchange mailbox: connecting it is refused');
  });

  it('redeems a code once, with the right PKCE verifier, for signed tokens with client_info', async () => {
    const { url, verifier } = authorizeUrl({ login_hint: 'alex.wilber@contoso.com' });
    const code = new URL((await call(url, em.caPem)).headers.location as string).searchParams.get('code')!;
    const form = { client_id: 'app', client_secret: 's', grant_type: 'authorization_code', code, redirect_uri: REDIRECT };
    const wrong = await call(`${em.authority}/oauth2/v2.0/token`, em.caPem, { form: { ...form, code_verifier: 'not-the-verifier' } });
    expect([wrong.status, wrong.json().error, wrong.json<{ error_codes: number[] }>().error_codes]).toEqual([400, 'invalid_grant', [501481]]);

    const ok = await call(`${em.authority}/oauth2/v2.0/token`, em.caPem, { form: { ...form, code_verifier: verifier } });
    const body = ok.json<{ id_token: string; client_info: string; expires_in: number; token_type: string }>();
    expect([ok.status, body.token_type, body.expires_in]).toEqual([200, 'Bearer', 3599]);
    const alex = em.demo!.work;
    expect(JSON.parse(Buffer.from(body.client_info, 'base64url').toString())).toEqual({ uid: alex.oid, utid: alex.tid });

    const [head, payload, signature] = body.id_token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    expect(claims).toMatchObject({ aud: 'app', oid: alex.oid, tid: alex.tid, preferred_username: 'alex.wilber@contoso.com', ver: '2.0', iss: `${em.origin}/${alex.tid}/v2.0` });
    const jwks = (await call(`${em.authority}/discovery/v2.0/keys`, em.caPem)).json<{ keys: JsonWebKey[] }>();
    const key = createPublicKey({ key: jwks.keys[0], format: 'jwk' });
    expect(createVerify('RSA-SHA256').update(`${head}.${payload}`).verify(key, Buffer.from(signature, 'base64url'))).toBe(true);

    const again = await call(`${em.authority}/oauth2/v2.0/token`, em.caPem, { form: { ...form, code_verifier: verifier } });
    expect(again.json<{ error_codes: number[] }>().error_codes).toEqual([54005]);
  });

  it('rotates refresh tokens', async () => {
    const first = await tokensFor('megan.bowen@contoso.com');
    const refresh = (rt: string) => call(`${em.authority}/oauth2/v2.0/token`, em.caPem, { form: { client_id: 'app', client_secret: 's', grant_type: 'refresh_token', refresh_token: rt } });
    const second = await refresh(first.refresh_token);
    expect(second.status).toBe(200);
    expect(second.json().refresh_token).not.toBe(first.refresh_token);
    expect((await refresh(first.refresh_token)).json()).toMatchObject({ error: 'invalid_grant' });
  });
});

describe('graph', () => {
  it('answers /me without mail for a personal account, and MailboxNotEnabledForRESTAPI on premises', async () => {
    const personal = await tokensFor('sam.taylor@outlook.com');
    const me = (await graph(personal.access_token, '/me')).json();
    expect(me).toMatchObject({ mail: null, userPrincipalName: 'sam.taylor@outlook.com' });
    expect(me.id).toMatch(/^[0-9a-f]{16}$/);

    const onPrem = await tokensFor('pat.onprem@fabrikam.com');
    expect((await graph(onPrem.access_token, '/me')).status).toBe(200);
    const cals = await graph(onPrem.access_token, '/me/calendars');
    expect([cals.status, cals.json<{ error: { code: string } }>().error.code]).toEqual([404, 'MailboxNotEnabledForRESTAPI']);
  });

  it('creates idempotently by transactionId, changes changeKey on every update, converts zones on read', async () => {
    const account = em.addAccount({ email: `graph-${randomBytes(4).toString('hex')}@contoso.com` });
    const t = await tokensFor(account.userPrincipalName);
    const body = { subject: 'x', transactionId: 'tx-1', start: { dateTime: '2030-06-01T10:00:00', timeZone: 'Pacific Standard Time' }, end: { dateTime: '2030-06-01T11:00:00', timeZone: 'Pacific Standard Time' } };
    const created = await graph(t.access_token, `/me/calendars/${account.defaultCalendarId}/events`, { body });
    const replay = await graph(t.access_token, `/me/calendars/${account.defaultCalendarId}/events`, { body });
    expect([created.status, replay.status, replay.json().id]).toEqual([201, 201, created.json().id]);
    expect(created.json().start).toEqual({ dateTime: '2030-06-01T10:00:00.0000000', timeZone: 'Pacific Standard Time' });

    const id = created.json<{ id: string }>().id;
    const read = await graph(t.access_token, `/me/events/${id}`, { headers: { prefer: 'outlook.timezone="UTC"' } });
    expect(read.json().start).toEqual({ dateTime: '2030-06-01T17:00:00.0000000', timeZone: 'UTC' });
    const patched = await graph(t.access_token, `/me/events/${id}`, { method: 'PATCH', body: { subject: 'y' } });
    expect(patched.json().changeKey).not.toBe(created.json().changeKey);
    expect(patched.json()['@odata.etag']).toBe(`W/"${patched.json().changeKey}"`);
    expect((await graph(t.access_token, `/me/events/${id}`, { method: 'DELETE' })).status).toBe(204);
    const gone = await graph(t.access_token, `/me/events/${id}`, { method: 'DELETE' });
    expect([gone.status, gone.json<{ error: { code: string } }>().error.code]).toEqual([404, 'ErrorItemNotFound']);
  });

  it('makes Teams meetings for work accounts; a personal account\'s calendar allows none, and its event is written without one (201)', async () => {
    const work = em.addAccount({ email: `teams-${randomBytes(4).toString('hex')}@contoso.com` });
    const personal = em.addAccount({ email: `teams-${randomBytes(4).toString('hex')}@outlook.com`, kind: 'personal' });
    const body = {
      subject: 'Call',
      body: { contentType: 'text', content: 'Agenda' },
      start: { dateTime: '2030-06-01T10:00:00', timeZone: 'UTC' },
      end: { dateTime: '2030-06-01T11:00:00', timeZone: 'UTC' },
      attendees: [{ emailAddress: { address: 'guest@example.com' }, type: 'required' }],
      isOnlineMeeting: true,
      onlineMeetingProvider: 'teamsForBusiness',
    };
    const tw = await tokensFor(work.userPrincipalName);
    expect((await graph(tw.access_token, '/me/calendar')).json()).toMatchObject({ allowedOnlineMeetingProviders: ['teamsForBusiness'], defaultOnlineMeetingProvider: 'teamsForBusiness' });
    const online = (await graph(tw.access_token, `/me/calendars/${work.defaultCalendarId}/events`, { body })).json<OnlineEventJson>();
    expect(online).toMatchObject({ isOnlineMeeting: true, onlineMeetingProvider: 'teamsForBusiness', body: { contentType: 'html' } });
    expect(online.onlineMeeting.joinUrl).toMatch(/^https:\/\/teams\.microsoft\.com\/l\/meetup-join\//);
    expect(online.attendees).toEqual([{ type: 'required', status: { response: 'none', time: '0001-01-01T00:00:00Z' }, emailAddress: { name: 'guest@example.com', address: 'guest@example.com' } }]);
    // isOnlineMeeting false cannot turn it off; a body without the join link drops it (as reported against Graph)
    const kept = (await graph(tw.access_token, `/me/events/${online.id}`, { method: 'PATCH', body: { isOnlineMeeting: false } })).json<OnlineEventJson>();
    expect(kept.onlineMeeting.joinUrl).toBe(online.onlineMeeting.joinUrl);
    const dropped = (await graph(tw.access_token, `/me/events/${online.id}`, { method: 'PATCH', body: { body: { contentType: 'text', content: 'New agenda' } } })).json();
    expect(dropped).toMatchObject({ isOnlineMeeting: false, onlineMeeting: null });

    const tp = await tokensFor(personal.userPrincipalName);
    expect((await graph(tp.access_token, '/me/calendar')).json()).toMatchObject({ allowedOnlineMeetingProviders: ['skypeForConsumer'], defaultOnlineMeetingProvider: 'skypeForConsumer' });
    const plain = await graph(tp.access_token, `/me/calendars/${personal.defaultCalendarId}/events`, { body });
    expect(plain.status).toBe(201);
    expect(plain.json()).toMatchObject({ isOnlineMeeting: false, onlineMeetingProvider: 'unknown', onlineMeeting: null, body: { contentType: 'text', content: 'Agenda' } });
  });

  it('pages delta by maxpagesize with absolute links, @removed entries and 410 for expired tokens', async () => {
    const account = em.addAccount({ email: `delta-${randomBytes(4).toString('hex')}@contoso.com` });
    const t = await tokensFor(account.userPrincipalName);
    const ids = [1, 2, 3].map((d) => em.state.createEvent(account.defaultCalendarId, { subject: `d${d}`, start: { dateTime: `2030-01-0${d}T10:00:00`, timeZone: 'UTC' }, end: { dateTime: `2030-01-0${d}T11:00:00`, timeZone: 'UTC' } }).event.id);
    const prefer = { prefer: 'odata.maxpagesize=2' };
    const first = await graph(t.access_token, `/me/calendars/${account.defaultCalendarId}/calendarView/delta?startDateTime=2030-01-01T00:00:00Z&endDateTime=2030-02-01T00:00:00Z`, { headers: prefer });
    expect(first.headers['preference-applied']).toBe('odata.maxpagesize=2');
    const p1 = first.json<{ value: unknown[]; '@odata.nextLink': string }>();
    expect(p1.value).toHaveLength(2);
    expect(p1['@odata.nextLink']).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/v1\.0\/.*\$skiptoken=/);
    const p2 = (await call(p1['@odata.nextLink'], em.caPem, { headers: { authorization: `Bearer ${t.access_token}`, ...prefer } })).json<{ value: unknown[]; '@odata.deltaLink': string; '@odata.nextLink'?: string }>();
    expect([p2.value.length, p2['@odata.nextLink']]).toEqual([1, undefined]);

    em.state.deleteEvent(ids[0]);
    const inc = (await call(p2['@odata.deltaLink'], em.caPem, { headers: { authorization: `Bearer ${t.access_token}` } })).json<{ value: unknown[] }>();
    expect(inc.value).toEqual([{ '@odata.type': '#microsoft.graph.event', id: ids[0], '@removed': { reason: 'deleted' } }]);

    em.state.expireDeltaTokens(account.id);
    const expired = await call(p2['@odata.deltaLink'], em.caPem, { headers: { authorization: `Bearer ${t.access_token}` } });
    expect(expired.status).toBe(410);
    expect(expired.headers.location).toMatch(/calendarView\/delta$/);
  });
});

describe('faults, log and notifications', () => {
  it('drops connections on demand and logs every attempt', async () => {
    const t = await tokensFor('alex.wilber@contoso.com');
    em.addFault({ kind: 'drop', account: 'alex.wilber@contoso.com', route: 'GET /v1.0/me', times: 1 });
    await expect(graph(t.access_token, '/me')).rejects.toThrow();
    expect((await graph(t.access_token, '/me')).status).toBe(200);
    const attempts = em.requestLog.list({ path: '/v1.0/me', account: 'alex.wilber@contoso.com' }).slice(-2);
    expect(attempts.map((a) => [a.status, a.fault])).toEqual([
      [0, 'drop'],
      [200, null],
    ]);
  });

  it('notifies an active subscription when the control API edits an event', async () => {
    const received: unknown[] = [];
    let notified: (body: unknown) => void = () => {};
    const arrived = new Promise((resolve) => (notified = resolve));
    const hook = createServer((req, res) => {
      const token = new URL(req.url!, 'http://x').searchParams.get('validationToken');
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        if (token) return res.writeHead(200, { 'content-type': 'text/plain' }).end(token);
        received.push(JSON.parse(text));
        res.writeHead(202).end();
        notified(JSON.parse(text));
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    try {
      const account = em.addAccount({ email: `hook-${randomBytes(4).toString('hex')}@contoso.com` });
      const t = await tokensFor(account.userPrincipalName);
      const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
      const sub = await graph(t.access_token, '/subscriptions', {
        body: { changeType: 'created,updated,deleted', notificationUrl: url, resource: `/me/calendars/${account.defaultCalendarId}/events`, expirationDateTime: new Date(Date.now() + 3_600_000).toISOString(), clientState: 'cs' },
      });
      expect(sub.status).toBe(201);
      const tooLong = await graph(t.access_token, '/subscriptions', {
        body: { changeType: 'created', notificationUrl: url, resource: '/me/events', expirationDateTime: new Date(Date.now() + 5000 * 60_000).toISOString() },
      });
      expect(tooLong.status).toBe(400);

      const created = await call(`${em.controlUrl}/calendars/${account.defaultCalendarId}/events`, em.caPem, {
        body: { subject: 'from Outlook', start: { dateTime: '2030-01-01T10:00:00', timeZone: 'UTC' }, end: { dateTime: '2030-01-01T11:00:00', timeZone: 'UTC' } },
      });
      expect(created.status).toBe(201);
      expect(await arrived).toMatchObject({ value: [{ subscriptionId: sub.json().id, clientState: 'cs', changeType: 'created', resourceData: { id: created.json().id } }] });
    } finally {
      hook.closeAllConnections();
      await new Promise((r) => hook.close(r));
    }
  });
});
