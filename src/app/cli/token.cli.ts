// `npm run token -- <email>` prints a bearer token for a user; `npm run token -- --service` one for the CRM service.
// Uses DATABASE_URL, or the embedded database of a running (or stopped) local service.
import 'reflect-metadata';
import { Client } from 'pg';
import { signServiceToken, signUserToken } from '../auth/jwt';
import { readRuntime } from '../bootstrap/runtime-file';
import { ConfigError, mayGenerateSecrets, parseEnv, resolveConfig } from '../config/config';
import { loadOrCreateSecrets } from '../config/generated-secrets';
import { startEmbeddedPostgres } from '../database/embedded-postgres';

async function main(): Promise<void> {
  const arg = process.argv[2];
  if (!arg || arg === '--help') {
    process.stderr.write('usage: npm run token -- <email> | --service\n');
    process.exit(2);
  }
  const raw = parseEnv(process.env);
  const config = resolveConfig(raw, mayGenerateSecrets(raw) ? loadOrCreateSecrets(raw.DATA_DIR) : {});
  if (arg === '--service') {
    process.stdout.write(`${signServiceToken(config.AUTH_JWT_SECRET)}\n`);
    return;
  }
  let stop: (() => Promise<void>) | null = null;
  let url = raw.DATABASE_URL ?? readRuntime(raw.DATA_DIR)?.databaseUrl;
  if (!url) {
    const embedded = await startEmbeddedPostgres(raw.DATA_DIR, (m) => process.stderr.write(`${m}\n`));
    url = embedded.url;
    stop = embedded.stop;
  }
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string; active: boolean; agency: string }>(
      `SELECT u.id, u.active, a.name AS agency FROM users u JOIN agencies a ON a.id = u.agency_id WHERE lower(u.email) = lower($1) ORDER BY u.created_at`,
      [arg],
    );
    if (!rows.length) throw new ConfigError(`No user with the email ${arg}`);
    for (const r of rows) {
      if (rows.length > 1) process.stderr.write(`${r.agency}${r.active ? '' : ' (deactivated)'}:\n`);
      process.stdout.write(`${signUserToken(config.AUTH_JWT_SECRET, r.id)}\n`);
    }
  } finally {
    await client.end();
    await stop?.();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
