// The Microsoft emulator: identity platform + Graph v1.0 + control API on one HTTPS server
// (test CA; plain HTTP on request), runnable in-process on port 0. Imports nothing from src/.
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { SnapshotFile } from '../persistence/snapshot-file';
import { testTls } from '../tls/test-ca';
import { registerControlRoutes } from './control-routes';
import { seedDemo, type DemoAccounts } from './demo-seed';
import { FaultRegistry, type CursorExpiredVariant, type FaultInput } from './faults';
import { graphError, mailboxNotEnabled, ReplyError } from './graph-errors';
import { cursorExpiredReply, registerGraphRoutes } from './graph-routes';
import { formBody, Router, type Reply, type RequestContext } from './http-kit';
import { IdTokenSigner } from './id-token';
import { oauthError, registerIdentityRoutes } from './identity-routes';
import type { Account } from './microsoft-model';
import { GraphStateError, MicrosoftState, type AccountInput, type MicrosoftSnapshot } from './microsoft-state';
import { RequestLog } from './request-log';
import { SubscriptionService } from './subscription-service';

export interface MicrosoftEmulatorOptions {
  /** Default 0 (any free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Seed the demo accounts (work, colleague, personal, on-premises). Default true; not again over a saved state. */
  seedDemo?: boolean;
  /** More accounts to add at start, e.g. one per demo user email (those already in the saved state stay as they are). */
  accounts?: AccountInput[];
  /**
   * JSON file that keeps the state (accounts, calendars, events, tokens, subscriptions) across restarts:
   * loaded at start when present, written shortly after every change and on close.
   */
  stateFile?: string;
  /** When set, only these OAuth clients are accepted. Default: any client id and secret. */
  clients?: { clientId: string; clientSecret: string }[];
  accessTokenLifetimeSeconds?: number;
  /** Maximum subscription lifetime (Graph: 4230 or 10080 minutes for events). Default 4230. */
  subscriptionMaxMinutes?: number;
  subscriptionExpiryPolicy?: 'reject' | 'clamp';
  validationTimeoutMs?: number;
  /** A notification POST not answered 2xx within this is a failure (Graph: 3 s). */
  notificationTimeoutMs?: number;
  /** Change notifications for one notificationUrl within this window share one POST. Default 50. */
  notificationBatchWindowMs?: number;
  /** Most notifications in one POST's `value`. Default 100. */
  maxNotificationsPerPost?: number;
  /**
   * Waits before each re-send of a notification POST that failed (non-2xx, timeout, refused); the
   * length is the number of re-sends. Default 5 s, 30 s, 2 min, 10 min, 30 min (Graph keeps trying for
   * up to 4 hours with growing gaps). Tests pass a few milliseconds.
   */
  notificationRetryDelaysMs?: number[];
  /** How an expired delta token is answered. Default 'gone' (410). */
  cursorExpiredVariant?: CursorExpiredVariant;
  /** Upper bound for Prefer: odata.maxpagesize. Default 1000. */
  maxPageSize?: number;
  tls?: { cert: string; key: string; caPem: string };
  /** Serve plain HTTP instead of HTTPS (a fake without TLS); the id_token signing key still comes from `tls`. */
  plainHttp?: boolean;
}

export interface MicrosoftEmulator {
  origin: string;
  /** e.g. https://127.0.0.1:PORT/common */
  authority: string;
  /** e.g. https://127.0.0.1:PORT/v1.0 */
  graphUrl: string;
  controlUrl: string;
  caPem: string;
  state: MicrosoftState;
  faults: FaultRegistry;
  requestLog: RequestLog;
  subscriptions: SubscriptionService;
  /** The demo accounts, when seeded at this start (not when the state came from stateFile). */
  demo: DemoAccounts | null;
  addAccount(input: AccountInput): Account;
  addFault(fault: FaultInput): ReturnType<FaultRegistry['add']>;
  close(): Promise<void>;
}

const PIPELINE_FAULTS = ['throttle', 'unavailable', 'tokenExpired', 'invalidGrant', 'cursorExpired', 'mailboxNotEnabled', 'drop', 'dropAfterProcessing'] as const;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function startMicrosoftEmulator(opts: MicrosoftEmulatorOptions = {}): Promise<MicrosoftEmulator> {
  const tls = opts.tls ?? testTls();
  const state = new MicrosoftState();
  const faults = new FaultRegistry((ref) => state.findAccount(ref)?.id);
  const requestLog = new RequestLog();
  const cursorExpiredVariant = opts.cursorExpiredVariant ?? 'gone';
  let origin = '';
  const subscriptions = new SubscriptionService(state, {
    maxMinutes: opts.subscriptionMaxMinutes ?? 4230,
    expiryPolicy: opts.subscriptionExpiryPolicy ?? 'reject',
    validationTimeoutMs: opts.validationTimeoutMs ?? 10_000,
    notificationTimeoutMs: opts.notificationTimeoutMs ?? 3_000,
    batchWindowMs: opts.notificationBatchWindowMs ?? 50,
    maxNotificationsPerPost: opts.maxNotificationsPerPost ?? 100,
    retryDelaysMs: opts.notificationRetryDelaysMs ?? [5_000, 30_000, 120_000, 600_000, 1_800_000],
    caPem: tls.caPem,
  });

  const router = new Router();
  registerIdentityRoutes(router, {
    state,
    signer: new IdTokenSigner(tls.key),
    origin: () => origin,
    accessTokenLifetimeSeconds: opts.accessTokenLifetimeSeconds ?? 3599,
    clients: opts.clients ?? null,
  });
  registerGraphRoutes(router, {
    state,
    subscriptions,
    origin: () => origin,
    maxPageSize: opts.maxPageSize ?? 1000,
    cursorExpiredVariant,
    refuseValidation: (ctx) => faults.take({ method: ctx.method, path: ctx.path, accountId: ctx.accountId }, ['refuseValidation']) !== null,
  });
  registerControlRoutes(router, { state, faults, requestLog, subscriptions });

  /** Who the request acts for, so faults and the log can be per account. */
  function accountOf(ctx: RequestContext): string | null {
    if (ctx.path.startsWith('/v1.0/')) {
      const auth = ctx.headers.authorization;
      return auth?.startsWith('Bearer ') ? (state.accessTokens.get(auth.slice(7))?.accountId ?? null) : null;
    }
    if (ctx.path.endsWith('/oauth2/v2.0/token')) {
      const form = formBody(ctx);
      const code = form.get('code');
      if (code) return state.authCodes.get(code)?.accountId ?? null;
      return state.refreshTokens.get(form.get('refresh_token') ?? '')?.accountId ?? null;
    }
    const hint = ctx.url.searchParams.get('login_hint');
    return hint ? (state.findAccount(hint)?.id ?? null) : null;
  }

  function faultReply(kind: FaultInput, ctx: RequestContext): Reply | null {
    switch (kind.kind) {
      case 'throttle':
        return graphError(429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', { 'retry-after': String(kind.retryAfterSeconds ?? 1) });
      case 'unavailable':
        return graphError(kind.status ?? 503, 'ServiceNotAvailable', 'The service is temporarily unavailable.', kind.retryAfterSeconds === undefined ? {} : { 'retry-after': String(kind.retryAfterSeconds) });
      case 'tokenExpired':
        return graphError(401, 'InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.');
      case 'invalidGrant':
        return oauthError(400, 'invalid_grant', kind.errorCode ?? 70008, 'The provided authorization code or refresh token has expired due to inactivity.');
      case 'cursorExpired':
        return cursorExpiredReply(kind.variant ?? cursorExpiredVariant, `${origin}${ctx.path}`);
      case 'mailboxNotEnabled':
        return mailboxNotEnabled();
      default:
        return null;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const time = performance.timeOrigin + performance.now();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', origin);
    const ctx: RequestContext = { method: req.method ?? 'GET', url, path: url.pathname, headers: req.headers, rawBody: Buffer.concat(chunks), params: [], accountId: null };
    ctx.accountId = accountOf(ctx);
    const probe = { method: ctx.method, path: ctx.path, accountId: ctx.accountId };
    const control = ctx.path.startsWith('/_control/');
    let faultName: string | null = null;
    let dropAfter = false;
    const log = (status: number) =>
      control ||
      requestLog.record({
        time,
        method: ctx.method,
        path: ctx.path,
        query: url.search,
        status,
        account: ctx.accountId ? state.accounts.get(ctx.accountId)!.userPrincipalName : null,
        fault: faultName,
        durationMs: performance.timeOrigin + performance.now() - time,
      });

    let reply: Reply | null = null;
    try {
      if (!control) {
        const delay = faults.take(probe, ['delay']);
        if (delay?.kind === 'delay') await sleep(delay.ms);
        const fault = faults.take(probe, PIPELINE_FAULTS);
        faultName = delay ? 'delay' : null;
        if (fault) faultName = fault.kind;
        if (fault?.kind === 'drop') {
          log(0);
          req.socket.destroy();
          return;
        }
        dropAfter = fault?.kind === 'dropAfterProcessing';
        if (fault) reply = faultReply(fault, ctx);
      }
      if (!reply) {
        const route = router.match(ctx.method, ctx.path);
        if (!route) reply = graphError(400, 'BadRequest', `Resource not found for the segment '${ctx.path.split('/').pop()}'.`);
        else reply = await route.handler({ ...ctx, params: route.params });
      }
    } catch (err) {
      if (err instanceof ReplyError) reply = err.reply;
      else if (err instanceof GraphStateError) reply = graphError(err.status, err.code, err.message);
      else if (err instanceof SyntaxError) reply = graphError(400, 'BadRequest', 'Unable to read JSON request payload.');
      else reply = graphError(500, 'InternalServerError', (err as Error).message);
    }
    if (dropAfter) {
      log(0);
      req.socket.destroy();
      return;
    }
    const body = reply.body === undefined || reply.body === null || reply.status === 204 ? '' : typeof reply.body === 'string' || Buffer.isBuffer(reply.body) ? reply.body : JSON.stringify(reply.body);
    res.writeHead(reply.status, { ...reply.headers, 'content-length': Buffer.byteLength(body) });
    res.end(body);
    log(reply.status);
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err) => {
      res.destroy(err as Error);
    });
  };
  const server: Server | HttpServer = opts.plainHttp ? createHttpServer(onRequest) : createServer({ key: tls.key, cert: tls.cert }, onRequest);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  origin = `${opts.plainHttp ? 'http' : 'https'}://${address.includes(':') ? `[${address}]` : address}:${port}`;

  const saved = opts.stateFile ? new SnapshotFile<MicrosoftSnapshot>(opts.stateFile, () => state.snapshot()) : null;
  const snapshot = saved?.load() ?? null;
  if (snapshot) state.restore(snapshot);
  const demo = opts.seedDemo === false || snapshot ? null : seedDemo(state);
  for (const account of opts.accounts ?? []) if (!state.findAccount(account.email)) state.addAccount(account);
  if (saved) {
    saved.flush();
    // Requests (tokens, events, subscriptions) and in-process edits both count as changes
    server.on('request', (_req, res: ServerResponse) => res.on('finish', () => saved.changed()));
    state.changes.on('change', () => saved.changed());
  }

  return {
    origin,
    authority: `${origin}/common`,
    graphUrl: `${origin}/v1.0`,
    controlUrl: `${origin}/_control`,
    caPem: tls.caPem,
    state,
    faults,
    requestLog,
    subscriptions,
    demo,
    addAccount: (input) => {
      const account = state.addAccount(input);
      saved?.changed();
      return account;
    },
    addFault: (fault) => faults.add(fault),
    close: () =>
      new Promise<void>((resolve) => {
        subscriptions.close();
        server.close(() => {
          saved?.flush();
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
