import pg from 'pg';

export default async function globalTeardown() {
  const adminUrl = process.env.CALBRIDGE_TEST_ADMIN_URL;
  const template = process.env.CALBRIDGE_TEST_TEMPLATE;
  if (adminUrl && template && !globalThis.__CALBRIDGE_PG__) {
    // A shared server: drop what this run created.
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    const { rows } = await client.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`${template.replace('tpl', '%')}%`]);
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => {});
    await client.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`).catch(() => {});
    await client.end();
  }
  if (globalThis.__CALBRIDGE_PG__) await globalThis.__CALBRIDGE_PG__.stop();
}
