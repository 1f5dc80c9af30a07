// The OAuth round trip against the emulators, as a browser would walk it: startConnection,
// the provider's authorize page (login_hint approves without a click and redirects with
// code and state), then completeConnection or the /oauth/{provider}/callback page.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { startGoogleEmulator, type GoogleEmulator, type GoogleEmulatorOptions } from '../../emulators/google';
import { startMicrosoftEmulator, type MicrosoftEmulator, type MicrosoftEmulatorOptions } from '../../emulators/microsoft';
import { CompleteConnectionDocument, CompleteConnectionMutation, Provider, StartConnectionDocument } from '../generated/graphql';
import { insertAgency, insertLocation, insertUser } from './fixtures';
import { GqlResult, TestApp } from './test-app';

export interface Emulators {
  google: GoogleEmulator;
  microsoft: MicrosoftEmulator;
  /** Environment for startTestApp that points the drivers at the emulators. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** The variables that point calbridge's drivers at these emulators, trusting the CA in `caFile`. */
export function emulatorEnv(microsoft: MicrosoftEmulator, google: GoogleEmulator, caFile: string): Record<string, string> {
  return {
    MICROSOFT_CLIENT_ID: 'calbridge-test',
    MICROSOFT_CLIENT_SECRET: 'calbridge-test-secret',
    MICROSOFT_AUTHORITY: microsoft.authority,
    MICROSOFT_GRAPH_URL: microsoft.graphUrl,
    GOOGLE_CLIENT_ID: 'calbridge-test.apps.googleusercontent.com',
    GOOGLE_CLIENT_SECRET: 'calbridge-test-secret',
    GOOGLE_AUTH_URL: google.authUrl,
    GOOGLE_TOKEN_URL: google.tokenUrl,
    GOOGLE_API_URL: google.apiUrl,
    PROVIDER_CA_FILE: caFile,
  };
}

/** One Google and one Microsoft emulator on free ports (Microsoft over HTTPS with the test CA); `opts` adds options of each. */
export async function startEmulators(opts: { google?: GoogleEmulatorOptions; microsoft?: MicrosoftEmulatorOptions } = {}): Promise<Emulators> {
  const [google, microsoft] = await Promise.all([startGoogleEmulator({ ...opts.google, port: 0 }), startMicrosoftEmulator({ ...opts.microsoft, port: 0, seedDemo: false })]);
  const dir = mkdtempSync(join(tmpdir(), 'calbridge-ca-'));
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, microsoft.caPem);
  return {
    google,
    microsoft,
    env: emulatorEnv(microsoft, google, caFile),
    close: async () => {
      await Promise.all([google.close(), microsoft.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let seq = 0;
/** A fresh, unique address per test (emulator accounts are never shared between tests). */
export const uniqueEmail = (prefix: string, domain = 'example.test') => `${prefix}.${Date.now().toString(36)}${(seq++).toString(36)}${randomBytes(2).toString('hex')}@${domain}`;

export interface HttpReply {
  status: number;
  location: string | null;
  body: string;
  headers: IncomingHttpHeaders;
}

/** GET (or a form POST) without following redirects; HTTPS trusts `caPem` (node's fetch cannot take a CA). */
export function httpGet(url: string, caPem?: string, form?: Record<string, string>, headers: Record<string, string> = {}): Promise<HttpReply> {
  const u = new URL(url);
  const body = form ? new URLSearchParams(form).toString() : undefined;
  const options = {
    method: form ? 'POST' : 'GET',
    agent: false as const,
    headers: { ...(form ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body!)) } : {}), ...headers },
  };
  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location ?? null, body: text, headers: res.headers }));
    };
    const req = u.protocol === 'https:' ? httpsRequest(u, { ...options, ca: caPem }, onResponse) : httpRequest(u, options, onResponse);
    req.on('error', reject);
    req.end(body);
  });
}

export interface Authorized {
  state: string;
  code: string;
  authorizationUrl: string;
  /** Where the provider sent the browser: PUBLIC_URL/oauth/{provider}/callback?code=…&state=… */
  callbackUrl: string;
}

/** What the flow needs of a service: GraphQL as its users, and (in-process) a way to wait for the jobs it caused. */
export type FlowTarget = Pick<TestApp, 'gql' | 'tokenFor'> & { app?: { whenIdle(): Promise<void> } };

export class ConnectFlow {
  constructor(
    private readonly t: FlowTarget,
    private readonly emu: Emulators,
  ) {}

  start(userId: string, locationId: string, provider: Provider, loginHint?: string) {
    return this.t.gql(StartConnectionDocument, { locationId, provider, loginHint }, this.t.tokenFor(userId));
  }

  /** Follows an authorization URL through the emulator's authorize endpoint (login_hint: no click). */
  async follow(authorizationUrl: string): Promise<{ code: string; state: string; callbackUrl: string }> {
    const res = await httpGet(authorizationUrl, this.emu.microsoft.caPem);
    if (res.status !== 302 || !res.location) throw new Error(`authorize answered ${res.status}: ${res.body.slice(0, 200)}`);
    const back = new URL(res.location);
    const code = back.searchParams.get('code');
    if (!code) throw new Error(`authorize redirected without a code: ${res.location}`);
    return { code, state: back.searchParams.get('state') ?? '', callbackUrl: res.location };
  }

  /**
   * The user presses Cancel on the provider's consent page: the provider redirects to the callback
   * with error=access_denied and the state. Returns that redirect URL.
   */
  async deny(provider: Provider, authorizationUrl: string): Promise<string> {
    const url = new URL(authorizationUrl);
    // By provider, not by scheme: either emulator may serve http or https. The test CA is trusted for both.
    const res =
      provider === 'OUTLOOK'
        ? await httpGet(`${url.origin}${url.pathname}/decision`, this.emu.microsoft.caPem, { request: url.searchParams.toString(), decision: 'cancel' })
        : await httpGet(`${url.origin}${url.pathname}`, this.emu.microsoft.caPem, { ...Object.fromEntries(url.searchParams), decision: 'cancel' });
    if (res.status !== 302 || !res.location) throw new Error(`consent page answered ${res.status}: ${res.body.slice(0, 200)}`);
    return res.location;
  }

  /** startConnection with a login hint, then the provider's approval: a code for completeConnection. */
  async authorize(userId: string, locationId: string, provider: Provider, loginHint: string): Promise<Authorized> {
    const started = await this.start(userId, locationId, provider, loginHint);
    if (!started.data) throw new Error(`startConnection failed: ${JSON.stringify(started.errors)}`);
    const { authorizationUrl, state } = started.data.startConnection;
    const back = await this.follow(authorizationUrl);
    if (back.state !== state) throw new Error('the provider did not echo the state');
    return { state, code: back.code, authorizationUrl, callbackUrl: back.callbackUrl };
  }

  complete(userId: string, state: string, code: string): Promise<GqlResult<CompleteConnectionMutation>> {
    return this.t.gql(CompleteConnectionDocument, { state, code }, this.t.tokenFor(userId));
  }

  /** The whole flow through completeConnection; returns the GraphQL result (errors included). */
  async connect(userId: string, locationId: string, provider: Provider, loginHint: string): Promise<GqlResult<CompleteConnectionMutation>> {
    const a = await this.authorize(userId, locationId, provider, loginHint);
    return this.complete(userId, a.state, a.code);
  }

  /** connect(), failing the test unless it succeeds; returns once the jobs it caused (push, first sync) are done. */
  async connected(userId: string, locationId: string, provider: Provider, loginHint: string): Promise<CompleteConnectionMutation['completeConnection']> {
    const r = await this.connect(userId, locationId, provider, loginHint);
    if (!r.data) throw new Error(`completeConnection failed: ${JSON.stringify(r.errors)}`);
    await this.t.app?.whenIdle();
    return r.data.completeConnection;
  }
}

/** An agency (AGENCY_PRO by default) with two locations and fresh people, for one test. */
export async function newTenant(ds: DataSource, plan = 'AGENCY_PRO') {
  const agencyId = await insertAgency(ds, plan);
  const locA = await insertLocation(ds, agencyId, 'Location A');
  const locB = await insertLocation(ds, agencyId, 'Location B');
  return {
    agencyId,
    locA,
    locB,
    agencyAdmin: await insertUser(ds, agencyId, 'AGENCY', 'ADMIN'),
    accountAdminA: await insertUser(ds, agencyId, 'ACCOUNT', 'ADMIN', [locA]),
    /** Account users of location A. */
    userA: await insertUser(ds, agencyId, 'ACCOUNT', 'USER', [locA]),
    userA2: await insertUser(ds, agencyId, 'ACCOUNT', 'USER', [locA]),
    /** An account user of both locations. */
    userAB: await insertUser(ds, agencyId, 'ACCOUNT', 'USER', [locA, locB]),
    userB: await insertUser(ds, agencyId, 'ACCOUNT', 'USER', [locB]),
  };
}
export type Tenant = Awaited<ReturnType<typeof newTenant>>;

/** The CRM user's email (a provider account with the same email completes in the browser without a confirmation). */
export async function emailOf(ds: DataSource, userId: string): Promise<string> {
  const [row] = await ds.query(`SELECT email FROM users WHERE id = $1`, [userId]);
  return row.email;
}

/** A single number from SQL (count(*) and the like). */
export async function scalar(ds: DataSource, sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await ds.query(sql, params);
  return Number(Object.values(row as Record<string, unknown>)[0]);
}
