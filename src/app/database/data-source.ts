import { DataSource, Logger as TypeOrmLogger } from 'typeorm';
import { migrations } from '../../../migrations';
import { entities } from './entities';

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

export async function migrate(ds: DataSource): Promise<void> {
  await ds.runMigrations({ transaction: 'each' });
}
