import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createDataSource } from '../../src/app/database/data-source';

// Each test file gets its own database, cloned from the migrated template: isolated and parallel-safe.
export async function createTestDatabaseUrl(): Promise<string> {
  const adminUrl = process.env.CALBRIDGE_TEST_ADMIN_URL;
  const template = process.env.CALBRIDGE_TEST_TEMPLATE;
  if (!adminUrl || !template) throw new Error('test database not prepared: run through jest (globalSetup)');
  const name = `${template.replace('tpl', 'db')}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    // CREATE DATABASE ... TEMPLATE needs the template to be idle; retry briefly if another file is cloning it.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
        break;
      } catch (err) {
        if (attempt > 50 || !/being accessed by other users/.test(String(err))) throw err;
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
      }
    }
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function createTestDataSource(onQuery?: (sql: string) => void): Promise<DataSource> {
  const ds = createDataSource({ url: await createTestDatabaseUrl(), onQuery, poolSize: 5 });
  await ds.initialize();
  return ds;
}
