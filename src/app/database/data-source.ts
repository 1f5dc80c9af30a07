import { Pool } from 'pg';
import { DataSource, Logger as TypeOrmLogger } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { migrations } from '../../../migrations';
import { entities } from './entities';

/** Statements of periodic background work (the outbox's sweep) start with this, so per-request SQL counts can leave them out. */
export const BACKGROUND_SQL = '/* background */';

export interface DataSourceOptions {
  url: string;
  /** Called with every SQL statement (tests count them). */
  onQuery?: (sql: string) => void;
  poolSize?: number;
}

class QueryCounter implements TypeOrmLogger {
  constructor(private readonly onQuery: (sql: string) => void) {}
  logQuery(query: string) {
    this.onQuery(query);
  }
  logQueryError() {}
  logQuerySlow() {}
  logSchemaBuild() {}
  logMigration() {}
  log() {}
}

// Schema changes only through migrations: synchronize stays off.
export function createDataSource(opts: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: opts.url,
    entities,
    migrations,
    synchronize: false,
    migrationsTableName: 'migrations',
    extra: { max: opts.poolSize ?? 10 },
    logging: opts.onQuery ? ['query'] : false,
    logger: opts.onQuery ? new QueryCounter(opts.onQuery) : undefined,
  });
}

/**
 * Destroys the data source and waits until its connections are really closed: pg's pool.end()
 * resolves before the sockets are, which kept processes (and jest workers) alive after they were done.
 */
export async function closeDataSource(ds: DataSource): Promise<void> {
  if (!ds.isInitialized) return;
  await endPool((ds.driver as PostgresDriver).master as Pool, () => ds.destroy());
}

/** Ends a pg pool (`end`, default pool.end()) and waits until every one of its connections has closed. */
export async function endPool(pool: Pool, end: () => Promise<unknown> = () => pool.end()): Promise<void> {
  let open = pool.totalCount;
  const closed = new Promise<void>((resolve) => {
    if (open === 0) resolve();
    // 'remove' is emitted once a client's connection has ended.
    pool.on('remove', () => --open <= 0 && resolve());
  });
  await end();
  await closed;
}

export async function migrate(ds: DataSource): Promise<void> {
  await ds.runMigrations({ transaction: 'each' });
}
