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
import { createServices, Services, ServiceRuntime } from './services';
import { createRateLimiter, RateLimiter } from './rate-limit/request-rate-limiter';
import { mountOAuthCallbackRoutes } from '../connections/oauth-callback.routes';
import { mountWebhookRoutes } from '../sync/webhook.routes';
import { JobQueue } from '../sync/jobs/job-queue';
import { NoticeCoalescer } from '../sync/notice-coalescer';
import { SyncTuning } from '../sync/sync-services';
import { Clock } from './clock';

export interface App {
  config: AppConfig;
  ds: DataSource;
  services: Services;
  server: RunningServer;
  jobs: JobQueue;
  /** Resolves once no job is due or running on this database (tests wait for the work they caused). */
  whenIdle(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartAppOptions {
  config: AppConfig;
  /** Called with every SQL statement (tests count them). */
  onQuery?: (sql: string) => void;
  /** Time for everything that schedules (tests inject their own). */
  clock?: Clock;
  /** Sync engine knobs (tests: page size, backoff, leases). */
  sync?: SyncTuning;
  /** Outbox knobs (tests: backoff, leases, whether this process writes). */
  outbox?: ServiceRuntime['outbox'];
  /** The drivers' in-call retries (tests shorten them). */
  providerRetry?: ServiceRuntime['providerRetry'];
}

/** Composes the service: database (migrated), event bus, services, schema, HTTP + WebSocket server. */
export async function startApp({ config, onQuery, clock, sync, outbox, providerRetry }: StartAppOptions): Promise<App> {
  const ds = createDataSource({ url: config.DATABASE_URL!, onQuery });
  await ds.initialize();
  let bus: PubSubHandle | undefined;
  let jobs: JobQueue | undefined;
  let limiter: RateLimiter | undefined;
  let notices: NoticeCoalescer | undefined;
  let outboxRunner: Services['outbox'] | undefined;
  try {
    await migrate(ds);
    bus = createEventBus(config.REDIS_URL);
    const rateLimits = { rps: config.RATE_LIMIT_RPS, burst: config.RATE_LIMIT_BURST, redisUrl: config.REDIS_URL, keyPrefix: config.RATE_LIMIT_KEY_PREFIX };
    limiter = await createRateLimiter(rateLimits, 'requests');
    // The API enqueues; the workers (PROCESS_ROLE worker or all) run the jobs.
    jobs = new JobQueue({ url: config.DATABASE_URL!, work: config.PROCESS_ROLE !== 'api' });
    const services = createServices(ds, bus.pubsub, config, { jobs, clock, sync, outbox, providerRetry });
    outboxRunner = services.outbox;
    // A verified notice enqueues the sync of its calendar (or a channel renewal); never a provider call.
    const handleNotice = (channelId: string, kind: string, receivedAt: Date) => services.syncServices.pushNotices.handle(channelId, kind, receivedAt);
    notices = await NoticeCoalescer.create(rateLimits, handleNotice, () => services.clock.now());
    const pushNotices = notices;
    await jobs.start();
    outboxRunner.start();
    if (config.PROCESS_ROLE !== 'api') await services.sync.resumeInterrupted();
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
    const queue = jobs;
    const requestLimiter = limiter;
    let stopping: Promise<void> | null = null;
    return {
      config,
      ds,
      services,
      server,
      jobs: queue,
      whenIdle: () => queue.whenIdle(),
      // Once, however many callers: drain requests and the syncs they left running, then notices (held ones are
      // delivered) and jobs, then the limiter and bus, then the pool.
      stop: () =>
        (stopping ??= (async () => {
          await server.close();
          await services.freshness.close();
          await services.outbox.stop();
          await requestLimiter.close();
          await pushNotices.close();
          await queue.stop();
          await services.mailboxes.close();
          await eventBus.close();
          services.providers.close();
          await closeDataSource(ds);
        })()),
    };
  } catch (err) {
    logger.error({ err }, 'start failed');
    await outboxRunner?.stop();
    await jobs?.stop().catch(() => undefined);
    await limiter?.close();
    await notices?.close();
    await bus?.close();
    await closeDataSource(ds);
    throw err;
  }
}
