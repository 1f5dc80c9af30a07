import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { SnapshotFile } from '../persistence/snapshot-file';
import { calendarRoutes } from './calendar-routes';
import { controlRoutes } from './control-routes';
import { EmulatorError } from './emulator.error';
import { GoogleEmulatorState, type StateSnapshot } from './emulator-state';
import type { AccountSeed, StoredAccount } from './emulator.types';
import { FaultInjector, type Fault } from './fault-injector';
import { json, parseBody, readBody, serialize, type Reply } from './http-reply';
import { invalidGrant } from './oauth.error';
import { oauthRoutes } from './oauth-routes';
import { PushNotifier, type WatchChannel } from './push-notifier';
import { RequestLog } from './request-log';
import type { EmulatorDeps, RequestContext, Route } from './route.types';
import { fullSyncRequired } from './events-list';

// One plain-HTTP server (HTTPS with `tls`) for accounts.google.com, oauth2.googleapis.com and
// www.googleapis.com/calendar/v3, plus /_control for tests and developers.

export interface GoogleEmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Accounts created at start (each with a primary calendar whose id is the email); those already in the saved state stay as they are. */
  accounts?: AccountSeed[];
  /**
   * JSON file that keeps the state (accounts, calendars, events, tokens, watch channels) across restarts:
   * loaded at start when present, written shortly after every change and on close.
   */
  stateFile?: string;
  clientId?: string;
  clientSecret?: string;
  accessTokenTtlSec?: number;
  rotateRefreshTokens?: boolean;
  /** Longest life of a watch channel. */
  channelMaxTtlMs?: number;
  /** Serve HTTPS with this certificate (e.g. emulators/tls testTls()) instead of plain HTTP. */
  tls?: { cert: string; key: string };
}

export interface GoogleEmulator {
  baseUrl: string;
  /** oauth2AuthBaseUrl */
  authUrl: string;
  /** oauth2TokenUrl */
  tokenUrl: string;
  /** rootUrl of the calendar client, ending in '/'. */
  apiUrl: string;
  userinfoUrl: string;
  controlUrl: string;
  state: GoogleEmulatorState;
  faults: FaultInjector;
  requestLog: RequestLog;
  push: PushNotifier;
  addAccount(seed: AccountSeed): StoredAccount;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function startGoogleEmulator(opts: GoogleEmulatorOptions = {}): Promise<GoogleEmulator> {
  const host = opts.host ?? '127.0.0.1';
  let baseUrl = '';
  const state = new GoogleEmulatorState();
  const deps: EmulatorDeps = {
    state,
    push: new PushNotifier(state, () => `${baseUrl}/`, opts.channelMaxTtlMs),
    faults: new FaultInjector(),
    requestLog: new RequestLog(),
    config: {
      clientId: opts.clientId,
      clientSecret: opts.clientSecret,
      accessTokenTtlSec: opts.accessTokenTtlSec ?? 3599,
      rotateRefreshTokens: opts.rotateRefreshTokens ?? false,
    },
    baseUrl: () => baseUrl,
  };
  const saved = opts.stateFile
    ? new SnapshotFile<{ state: StateSnapshot; channels: Map<string, WatchChannel> }>(opts.stateFile, () => ({ state: state.snapshot(), channels: deps.push.channels }))
    : null;
  const snapshot = saved?.load() ?? null;
  if (snapshot) {
    state.restore(snapshot.state);
    deps.push.restore(snapshot.channels);
  }
  for (const seed of opts.accounts ?? []) state.addAccount(seed);
  const routes = [...oauthRoutes(deps), ...calendarRoutes(deps), ...controlRoutes(deps)];

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    handle(deps, routes, req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(err));
    });
  };
  const server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, onRequest) : createServer(onRequest);
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  if (saved) {
    saved.flush();
    // Requests (tokens, events, channels) and in-process edits both count as changes
    server.on('request', (_req, res: ServerResponse) => res.on('finish', () => saved.changed()));
    state.on('change', () => saved.changed());
  }
  const { port } = server.address() as AddressInfo;
  baseUrl = `${opts.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    baseUrl,
    authUrl: `${baseUrl}/o/oauth2/v2/auth`,
    tokenUrl: `${baseUrl}/token`,
    apiUrl: `${baseUrl}/`,
    userinfoUrl: `${baseUrl}/oauth2/v3/userinfo`,
    controlUrl: `${baseUrl}/_control`,
    state,
    faults: deps.faults,
    requestLog: deps.requestLog,
    push: deps.push,
    addAccount: (seed) => {
      const account = state.addAccount(seed);
      saved?.changed();
      return account;
    },
    close: () =>
      new Promise<void>((resolve) => {
        deps.push.close();
        server.close(() => {
          saved?.flush();
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

async function handle(deps: EmulatorDeps, routes: Route[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = RequestLog.now();
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', deps.baseUrl());
  const raw = await readBody(req);
  const body = parseBody(raw, req.headers['content-type']);
  const control = url.pathname.startsWith('/_control/');
  const account = resolveAccount(deps, url, req, body);

  const log = (status: number | null, fault: Fault | null) => {
    if (control) return;
    deps.requestLog.record({
      time: started,
      method,
      path: url.pathname,
      query: url.search,
      status,
      account: account?.email ?? null,
      fault: fault?.type ?? null,
      durationMs: RequestLog.now() - started,
    });
  };

  let fault = control ? null : deps.faults.take(method, url.pathname, account);
  if (fault?.type === 'delay') {
    await sleep(fault.ms);
    fault = null;
  }
  if (fault?.type === 'drop') {
    log(null, fault);
    req.socket.destroy();
    return;
  }
  const reply = faultReply(fault) ?? (await dispatch(routes, { method, url, params: [], headers: req.headers, body, account }));
  if (fault?.type === 'dropAfterProcessing') {
    log(null, fault);
    req.socket.destroy();
    return;
  }
  const { headers, payload } = serialize(reply);
  res.writeHead(reply.status, headers);
  res.end(payload);
  log(reply.status, fault);
}

async function dispatch(routes: Route[], ctx: RequestContext): Promise<Reply> {
  let pathMatched = false;
  for (const route of routes) {
    const m = route.pattern.exec(ctx.url.pathname);
    if (!m) continue;
    pathMatched = true;
    if (route.method !== ctx.method) continue;
    try {
      return await route.handler({ ...ctx, params: m.slice(1).map((p) => decodeURIComponent(p)) });
    } catch (err) {
      if (err instanceof EmulatorError) return json(err.status, err.toBody(), err.headers);
      return json(500, new EmulatorError(500, 'backendError', err instanceof Error ? err.message : 'Backend Error').toBody());
    }
  }
  return json(pathMatched ? 405 : 404, new EmulatorError(pathMatched ? 405 : 404, 'notFound', 'Not Found').toBody());
}

function resolveAccount(deps: EmulatorDeps, url: URL, req: IncomingMessage, body: Record<string, unknown>): StoredAccount | null {
  const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const token = bearer ?? (body.refresh_token as string | undefined) ?? (body.code as string | undefined);
  const sub = token ? deps.state.tokens.subOf(token) : null;
  if (sub) return deps.state.findAccount(sub) ?? null;
  const hint = url.searchParams.get('login_hint') ?? (body.login_hint as string | undefined) ?? (body.account as string | undefined);
  return hint ? (deps.state.findAccount(hint) ?? null) : null;
}

function faultReply(fault: Fault | null): Reply | null {
  if (!fault) return null;
  const err = (e: EmulatorError) => json(e.status, e.toBody(), e.headers);
  switch (fault.type) {
    case 'rateLimit': {
      const headers: Record<string, string> = fault.retryAfterSec !== undefined ? { 'retry-after': String(fault.retryAfterSec) } : {};
      if (fault.status === 403) {
        const reason = fault.reason ?? 'rateLimitExceeded';
        return err(new EmulatorError(403, reason, reason === 'userRateLimitExceeded' ? 'User Rate Limit Exceeded' : 'Rate Limit Exceeded', 'usageLimits', headers));
      }
      return err(new EmulatorError(429, 'rateLimitExceeded', 'Rate Limit Exceeded', 'usageLimits', headers));
    }
    case 'unavailable':
      return err(new EmulatorError(503, 'backendError', 'Backend Error', 'global', fault.retryAfterSec !== undefined ? { 'retry-after': String(fault.retryAfterSec) } : {}));
    case 'unauthorized':
      return err(new EmulatorError(401, 'authError', 'Invalid Credentials', 'global', { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' }));
    case 'invalidGrant':
      return err(invalidGrant());
    case 'syncTokenExpired':
      return err(fullSyncRequired());
    case 'refusePush':
      return err(new EmulatorError(400, 'push.webhookUrlNotHttps', 'WebHook callback must be HTTPS', 'global'));
    default:
      return null;
  }
}
