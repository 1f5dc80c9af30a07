import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { createEventBus, PubSubHandle } from '../realtime/pubsub';
import { AppConfig } from './config/config';
import { createDataSource, migrate } from './database/data-source';
import { buildAppSchema } from './graphql/schema';
import { logger } from './logging/logger';
import { mountExplorerRoutes } from './server/explorer.routes';
import { RunningServer, startHttpServer } from './server/http-server';
import { createServices, Services } from './services';
import { mountOAuthCallbackRoutes } from '../connections/oauth-callback.routes';
import { mountWebhookRoutes } from '../sync/webhook.routes';
import { JobQueue } from '../sync/jobs/job-queue';
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
}

/** Composes the service: database (migrated), event bus, services, schema, HTTP + WebSocket server. */
export async function startApp({ config, onQuery, clock, sync }: StartAppOptions): Promise<App> {
  const ds = createDataSource({ url: config.DATABASE_URL!, onQuery });
  await ds.initialize();
  let bus: PubSubHandle | undefined;
  let jobs: JobQueue | undefined;
  try {
    await migrate(ds);
    bus = createEventBus(config.REDIS_URL);
    // The API enqueues; the workers (PROCESS_ROLE worker or all) run the jobs.
    jobs = new JobQueue({ url: config.DATABASE_URL!, work: config.PROCESS_ROLE !== 'api' });
    const services = createServices(ds, bus.pubsub, config, { jobs, clock, sync });
    await jobs.start();
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
        routes: (app) => {
          if (config.NODE_ENV !== 'production') mountExplorerRoutes(app);
          mountOAuthCallbackRoutes(app, { connections: services.connections, callbacks: services.oauthCallbacks, returnUrl: config.OAUTH_RETURN_URL, publicUrl: () => config.PUBLIC_URL });
          mountWebhookRoutes(app, {
            providers: services.providers,
            push: services.push,
            // Sync jobs consume notices (sync feature); until then they are only acknowledged.
            onNotice: async (channelId, kind) => logger.debug({ channelId, kind }, 'push notice'),
          });
        },
      },
      config.PORT,
      config.HOST,
    );
    if (!config.publicUrlExplicit) config.PUBLIC_URL = `http://localhost:${server.port}`;
    const eventBus = bus;
    const queue = jobs;
    return {
      config,
      ds,
      services,
      server,
      jobs: queue,
      whenIdle: () => queue.whenIdle(),
      stop: async () => {
        await server.close();
        await queue.stop();
        await eventBus.close();
        await ds.destroy();
      },
    };
  } catch (err) {
    logger.error({ err }, 'start failed');
    await jobs?.stop().catch(() => undefined);
    await bus?.close();
    await ds.destroy();
    throw err;
  }
}
