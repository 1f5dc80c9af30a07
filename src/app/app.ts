import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { createEventBus, PubSubHandle } from '../realtime/pubsub';
import { AppConfig } from './config/config';
import { closeDataSource, createDataSource, migrate } from './database/data-source';
import { buildAppSchema } from './graphql/schema';
import { logger } from './logging/logger';
import { mountMetricsRoute } from './metrics/metrics.routes';
import { mountExplorerRoutes } from './server/explorer.routes';
import { RunningServer, startHttpServer } from './server/http-server';
import { createServices, Services, ServiceTuning } from './services';
import { createRateLimiter, RateLimiter } from './rate-limit/request-rate-limiter';
import { mountOAuthCallbackRoutes } from '../connections/oauth-callback.routes';
import { mountWebhookRoutes } from '../sync/webhook.routes';
import { NoticeCoalescer } from '../sync/notice-coalescer';

export interface App {
  config: AppConfig;
  ds: DataSource;
  services: Services;
  server: RunningServer;
  stop(): Promise<void>;
}

export interface StartAppOptions {
  config: AppConfig;
  /** Called with every SQL statement (tests count them). */
  onQuery?: (sql: string) => void;
  /** Knobs tests turn (outbox backoff and leases, the drivers' retries). */
  tuning?: ServiceTuning;
}

/** Composes the service: database (migrated), event bus, services, schema, HTTP + WebSocket server. */
export async function startApp({ config, onQuery, tuning }: StartAppOptions): Promise<App> {
  const ds = createDataSource({ url: config.DATABASE_URL!, onQuery });
  await ds.initialize();
  let bus: PubSubHandle | undefined;
  let limiter: RateLimiter | undefined;
  let notices: NoticeCoalescer | undefined;
  let outboxRunner: Services['outbox'] | undefined;
  try {
    await migrate(ds);
    bus = createEventBus(config.REDIS_URL);
    const rateLimits = { rps: config.RATE_LIMIT_RPS, burst: config.RATE_LIMIT_BURST, redisUrl: config.REDIS_URL, keyPrefix: config.RATE_LIMIT_KEY_PREFIX };
    limiter = await createRateLimiter(rateLimits, 'requests');
    // Sync jobs consume notices (sync feature); until then they are only acknowledged.
    notices = await NoticeCoalescer.create(rateLimits, async (channelId, kind) => logger.debug({ channelId, kind }, 'push notice'));
    const pushNotices = notices;
    const services = createServices(ds, bus.pubsub, config, tuning);
    outboxRunner = services.outbox;
    outboxRunner.start();
    const schema = await buildAppSchema(bus.pubsub);
    const server = await startHttpServer(
      {
        schema,
        ds,
        services,
        jwtSecret: config.AUTH_JWT_SECRET,
        production: config.NODE_ENV === 'production',
        limits: { maxDepth: config.QUERY_MAX_DEPTH, maxCost: config.QUERY_MAX_COST },
        limiter,
        ws: { maxOperationsPerSocket: config.WS_MAX_SUBSCRIPTIONS_PER_SOCKET, connectionInitTimeoutMs: config.WS_CONNECTION_INIT_TIMEOUT_MS },
        routes: (app) => {
          if (config.NODE_ENV !== 'production') mountExplorerRoutes(app);
          mountOAuthCallbackRoutes(app, { connections: services.connections, callbacks: services.oauthCallbacks, returnUrl: config.OAUTH_RETURN_URL, publicUrl: () => config.PUBLIC_URL });
          mountMetricsRoute(app, services.metrics, config.METRICS_TOKEN);
          mountWebhookRoutes(app, {
            providers: services.providers,
            push: services.push,
            metrics: services.metrics,
            // Limited per channel, coalesced past the limit (never lost).
            onNotice: (channelId, kind) => pushNotices.notice(channelId, kind),
          });
        },
      },
      config.PORT,
      config.HOST,
    );
    if (!config.publicUrlExplicit) config.PUBLIC_URL = `http://localhost:${server.port}`;
    const eventBus = bus;
    const requestLimiter = limiter;
    let stopping: Promise<void> | null = null;
    return {
      config,
      ds,
      services,
      server,
      // Once, however many callers: drain, then the limiter, notices and bus, then the pool.
      stop: () =>
        (stopping ??= (async () => {
          await server.close();
          await services.outbox.stop();
          await requestLimiter.close();
          await pushNotices.close();
          await eventBus.close();
          services.providers.close();
          await closeDataSource(ds);
        })()),
    };
  } catch (err) {
    logger.error({ err }, 'start failed');
    await outboxRunner?.stop();
    await limiter?.close();
    await notices?.close();
    await bus?.close();
    await closeDataSource(ds);
    throw err;
  }
}
