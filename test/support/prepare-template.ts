// Creates the migrated template database the test files clone (run by global-setup in a child process).
import { Client } from 'pg';

async function main(): Promise<void> {
  const [adminUrl, template] = process.argv.slice(2);
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${template}"`);
  await admin.end();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
