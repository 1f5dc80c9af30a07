import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { createEventBus, PubSubHandle } from '../realtime/pubsub';
import { AppConfig } from './config/config';
import { closeDataSource, createDataSource, migrate } from './database/data-source';
import { buildAppSchema } from './graphql/schema';
import { logger } from './logging/logger';
import { RunningServer, startHttpServer } from './server/http-server';
import { createServices, Services } from './services';
import { mountOAuthCallbackRoutes } from '../connections/oauth-callback.routes';
import { mountWebhookRoutes } from '../sync/webhook.routes';

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
}

/** Composes the service: database (migrated), event bus, services, schema, HTTP + WebSocket server. */
export async function startApp({ config, onQuery }: StartAppOptions): Promise<App> {
  const ds = createDataSource({ url: config.DATABASE_URL!, onQuery });
  await ds.initialize();
  let bus: PubSubHandle | undefined;
  try {
    await migrate(ds);
    bus = createEventBus(config.REDIS_URL);
    const services = createServices(ds, bus.pubsub, config);
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
          mountOAuthCallbackRoutes(app, { connections: services.connections, ds });
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
    let stopping: Promise<void> | null = null;
    return {
      config,
      ds,
      services,
      server,
      // Once, however many callers: drain, then the bus, then the pool.
      stop: () =>
        (stopping ??= (async () => {
          await server.close();
          await eventBus.close();
          services.providers.close();
          await closeDataSource(ds);
        })()),
    };
  } catch (err) {
    logger.error({ err }, 'start failed');
    await bus?.close();
    await closeDataSource(ds);
    throw err;
  }
}
