import { RawConfig } from '../config/config.schema';
import { EmbeddedDatabase, startEmbeddedPostgres } from '../database/embedded-postgres';
import { claimDataFolder, releaseDataFolder, updateRuntime } from './runtime-file';

/**
 * DATABASE_URL when given; otherwise an embedded PostgreSQL in the data folder, which this process
 * claims first (one instance per folder). The caller releases the claim and stops the database.
 */
export async function resolveDatabase(raw: RawConfig, log: (msg: string) => void): Promise<{ url: string; embedded: EmbeddedDatabase | null }> {
  if (raw.DATABASE_URL) return { url: raw.DATABASE_URL, embedded: null };
  claimDataFolder(raw.DATA_DIR);
  log(`No DATABASE_URL: starting an embedded PostgreSQL in ${raw.DATA_DIR}/postgres (first start takes a few seconds)`);
  let embedded: EmbeddedDatabase;
  try {
    embedded = await startEmbeddedPostgres(raw.DATA_DIR, log, { callerHandlesSignals: true });
  } catch (err) {
    releaseDataFolder(raw.DATA_DIR);
    throw err;
  }
  updateRuntime(raw.DATA_DIR, { databaseUrl: embedded.url });
  return { url: embedded.url, embedded };
}
