import { RawConfig } from '../config/config.schema';
import { EmbeddedDatabase, startEmbeddedPostgres } from '../database/embedded-postgres';

/** DATABASE_URL when given; otherwise an embedded PostgreSQL in the data folder. */
export async function resolveDatabase(raw: RawConfig, log: (msg: string) => void): Promise<{ url: string; embedded: EmbeddedDatabase | null }> {
  if (raw.DATABASE_URL) return { url: raw.DATABASE_URL, embedded: null };
  log(`No DATABASE_URL: starting an embedded PostgreSQL in ${raw.DATA_DIR}/postgres (first start takes a few seconds)`);
  const embedded = await startEmbeddedPostgres(raw.DATA_DIR, log);
  return { url: embedded.url, embedded };
}
