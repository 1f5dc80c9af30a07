// Creates the migrated template database the test files clone (run by global-setup in a child process).
import 'reflect-metadata';
import { Client } from 'pg';
import { closeDataSource, createDataSource, migrate } from '../../src/app/database/data-source';
import { installJobQueues } from '../../src/sync/jobs/job-queue';

async function main(): Promise<void> {
  const [adminUrl, template] = process.argv.slice(2);
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${template}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${template}`;
  const ds = createDataSource({ url: url.toString(), poolSize: 1 });
  await ds.initialize();
  await migrate(ds);
  await closeDataSource(ds);
  // pg-boss's schema and queues, so that each test app's start only checks them.
  await installJobQueues(url.toString());
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
