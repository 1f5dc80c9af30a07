import { randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageLocalDefault, ApolloServerPluginLandingPageProductionDefault } from '@apollo/server/plugin/landingPage/default';
import { expressMiddleware } from '@as-integrations/express5';
import express, { Express } from 'express';
import { GraphQLError, GraphQLSchema } from 'graphql';
import type { Context } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { DataSource } from 'typeorm';
import { WebSocketServer } from 'ws';
import { buildContext, prepareContext } from '../context/context-factory';
import { RequestContext } from '../context/request-context';
import { formatError } from '../errors/error-formatter';
import { extraValidationRules, PARSE_OPTIONS, ValidationSettings } from '../graphql/validation-rules';
import { logger } from '../logging/logger';
import { rateLimitMiddleware } from '../rate-limit/rate-limit.middleware';
import { RateLimiter } from '../rate-limit/request-rate-limiter';
import { Services } from '../services';
import { gatedOperationSetup } from '../../realtime/operation-setup';
import { withExplorerLink } from './landing-page.plugin';
import { queryLimitsMiddleware } from './query-limits.middleware';
import { requestLoggingPlugin } from './request-logging.plugin';
import { logClientSocketErrors, WS_MAX_PAYLOAD_BYTES, wsErrorSource, wsOnSubscribe } from './ws-operations';

export interface HttpServerOptions {
  schema: GraphQLSchema;
  ds: DataSource;
  services: Services;
  jwtSecret: string;
  production: boolean;
  limits: { maxDepth: number; maxCost: number };
  /** Requests per user (or per address without a token), over HTTP and graphql-ws alike. */
  limiter: RateLimiter;
  ws: { maxOperationsPerSocket: number; connectionInitTimeoutMs: number };
  /** Extra routes (OAuth callbacks, webhooks) mounted before /graphql. */
  routes?: (app: Express) => void;
}

export interface RunningServer {
  httpServer: Server;
  port: number;
  url: string;
  /** Stop accepting, drain HTTP requests and WebSocket connections. */
  close(): Promise<void>;
}

export async function startHttpServer(opts: HttpServerOptions, port: number, host: string): Promise<RunningServer> {
  const app = express();
  app.disable('x-powered-by');
  const httpServer = createServer(app);
  const wss = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: WS_MAX_PAYLOAD_BYTES });
  const ctxDeps = { ds: opts.ds, services: opts.services, jwtSecret: opts.jwtSecret };
  const validation: ValidationSettings = { limits: opts.limits, production: opts.production };
  const wsGuard = { schema: opts.schema, validation, maxOperationsPerSocket: opts.ws.maxOperationsPerSocket, limiter: opts.limiter, jwtSecret: opts.jwtSecret };

  // The viewer is loaded from the database for every subscription, never cached from connect time. A few operations
  // are set up at once, the others wait their turn; conflictsChanged is rendered once per operation, not per subscriber.
  const operations = gatedOperationSetup((ctx: Context<Record<string, unknown>>) =>
    buildContext(ctxDeps, ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization, randomUUID(), false),
  );
  const wsServer = useServer<Record<string, unknown>>(
    {
      schema: opts.schema,
      context: operations.context,
      subscribe: operations.subscribe,
      execute: operations.execute,
      // Closes the socket when its token expires (4401) or its user is deactivated (4403).
      onConnect: (ctx) => opts.services.sockets.opened(ctx.extra.socket, ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization),
      connectionInitWaitTimeout: opts.ws.connectionInitTimeoutMs,
      // Rate limit, parsing and validation as over HTTP; the context is built only for operations that passed.
      onSubscribe: wsOnSubscribe(wsGuard),
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors?.length ? { ...result, errors: result.errors.map((e) => formatError(e.toJSON(), e) as unknown as GraphQLError) } : result,
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => formatError(e.toJSON(), wsErrorSource(e)) as unknown as GraphQLError),
      // Subscriptions count in the metrics gauge while their event stream is open
      onOperation: (_ctx, _id, _payload, _args, result) => (Symbol.asyncIterator in result ? opts.services.metrics.countSubscription(result) : undefined),
    },
    wss,
  );
  logClientSocketErrors(wss);

  const apollo = new ApolloServer<RequestContext>({
    schema: opts.schema,
    // Introspection is switched off by the shared rules (production), the same as over WebSocket.
    introspection: true,
    includeStacktraceInErrorResponses: false,
    parseOptions: PARSE_OPTIONS,
    validationRules: extraValidationRules(validation),
    formatError,
    // The process owns its signals (src/main.ts). Apollo's own handler would stop the server first,
    // and a second stop() while one is under way never returns (Apollo 5.5), so shutdown hung.
    stopOnTerminationSignals: false,
    plugins: [
      // In-flight requests get 5 s, so the whole shutdown fits in the 10 s a process manager allows.
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: 5_000 }),
      // No @cacheControl hints and no HTTP caching of GraphQL answers; the default plugin hooks every field.
      ApolloServerPluginCacheControlDisabled(),
      { async serverWillStart() { return { async drainServer() { await wsServer.dispose(); } }; } },
      opts.production ? ApolloServerPluginLandingPageProductionDefault({ footer: false }) : withExplorerLink(ApolloServerPluginLandingPageLocalDefault({ footer: false, embed: true })),
      requestLoggingPlugin,
      // The viewer is loaded only for operations that passed validation (depth and cost limits included).
      { async requestDidStart() { return { async didResolveOperation({ contextValue }) { await contextValue.resolveViewer(); } }; } },
    ],
  });
  await apollo.start();

  let ready = true;
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await opts.ds.query('SELECT 1');
      const pending = await opts.ds.showMigrations();
      if (!ready || pending) {
        res.status(503).json({ status: 'unavailable', reason: pending ? 'migrations pending' : 'shutting down' });
        return;
      }
      res.json({ status: 'ready' });
    } catch (err) {
      logger.warn({ err }, 'readiness check failed');
      res.status(503).json({ status: 'unavailable', reason: 'database unreachable' });
    }
  });
  opts.routes?.(app);
  app.use(
    '/graphql',
    rateLimitMiddleware(opts.limiter, opts.jwtSecret),
    express.json({ limit: '1mb' }),
    queryLimitsMiddleware(opts.schema, validation),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const header = req.headers['x-request-id'];
        const requestId: string = typeof header === 'string' && header ? header.slice(0, 100) : randomUUID();
        res.setHeader('x-request-id', requestId);
        return prepareContext(ctxDeps, req.headers.authorization, requestId);
      },
    }),
  );

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(port, host, () => resolve());
  });
  const actualPort = (httpServer.address() as AddressInfo).port;
  let closing: Promise<void> | null = null;
  return {
    httpServer,
    port: actualPort,
    url: `http://${host === '0.0.0.0' || host === '::' ? 'localhost' : host}:${actualPort}/graphql`,
    // Once: a second apollo.stop() during the first would wait forever.
    close: () =>
      (closing ??= (async () => {
        ready = false;
        opts.services.sockets.dispose();
        for (const client of wss.clients) client.close(1001, 'Server shutting down');
        await apollo.stop();
        wss.close();
      })()),
  };
}
