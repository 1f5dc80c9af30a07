import 'reflect-metadata';
import { createServer } from 'node:net';
import { startApp } from './app/app';
import { EXPLORER_PATH } from './app/server/explorer.routes';
import { signServiceToken, signUserToken } from './app/auth/jwt';
import { Lifecycle } from './app/bootstrap/lifecycle';
import { releaseDataFolder, updateRuntime } from './app/bootstrap/runtime-file';
import { resolveDatabase } from './app/bootstrap/database-url';
import { describeFailure, StartError } from './app/bootstrap/start-error';
import { ConfigError, mayGenerateSecrets, parseEnv, resolveConfig } from './app/config/config';
import { loadOrCreateSecrets } from './app/config/generated-secrets';
import { seedDemo } from './app/demo/demo-seed';
import { closeDataSource, createDataSource, migrate } from './app/database/data-source';
import { logger } from './app/logging/logger';
import { startProviderSandbox } from './app/sandbox/provider-sandbox';

const say = (msg = '') => process.stdout.write(`${msg}\n`);

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, () => srv.close(() => resolve(true)));
  });
}

// Whatever is opened below is registered here, so a signal or a failed start closes all of it.
const lifecycle = new Lifecycle();

async function main(): Promise<void> {
  const raw = parseEnv(process.env);
  const sandboxed = raw.NODE_ENV !== 'production' && (!raw.MICROSOFT_CLIENT_ID || !raw.GOOGLE_CLIENT_ID);
  if (sandboxed) {
    say('*** SANDBOX MODE: no provider credentials configured (MICROSOFT_CLIENT_ID / GOOGLE_CLIENT_ID). ***');
    say('*** Outlook and Google are served by the built-in emulators; no real calendar is touched.   ***');
  }
  const generated = mayGenerateSecrets(raw) ? loadOrCreateSecrets(raw.DATA_DIR) : {};
  // Fail on missing secrets before starting anything.
  resolveConfig(raw, generated);
  // A local run falls back to a free port when the default one is taken; an explicit PORT is honoured or fails.
  if (!process.env.PORT && !(await portFree(raw.PORT))) raw.PORT = 0;

  const { url, embedded } = await resolveDatabase(raw, say);
  if (embedded) {
    lifecycle.add('embedded PostgreSQL and the data folder claim', async () => {
      await embedded.stop();
      releaseDataFolder(raw.DATA_DIR);
    });
  }

  // Migrate and seed before serving, so the first request already sees the demo.
  const seedDs = createDataSource({ url, poolSize: 1 });
  await seedDs.initialize();
  lifecycle.add('seed connection', () => closeDataSource(seedDs));
  await migrate(seedDs);
  const shouldSeed = raw.SEED_DEMO === 'always' || (raw.SEED_DEMO === 'auto' && !!embedded);
  const demo = shouldSeed ? await seedDemo(seedDs) : null;
  const emails: Array<{ email: string }> = sandboxed ? await seedDs.query(`SELECT DISTINCT lower(email) AS email FROM users WHERE active`) : [];
  await closeDataSource(seedDs);

  // Each user gets an emulator account with the same email, so the connect walk works by hand.
  const sandbox = sandboxed ? await startProviderSandbox(raw, emails.map((e) => e.email)) : null;
  if (sandbox) lifecycle.add('provider emulators', () => sandbox.close());
  // A provider without a client id is entirely the emulator's: its endpoints follow.
  const config = resolveConfig({ ...raw, ...(sandbox?.env as Partial<typeof raw>), DATABASE_URL: url }, generated);
  if (sandbox?.caPem) config.providerCaPem = [config.providerCaPem, sandbox.caPem].filter(Boolean).join('\n');
  const app = await startApp({ config });
  lifecycle.add('server, event bus and database pool', () => app.stop());
  if (embedded) updateRuntime(raw.DATA_DIR, { url: app.server.url });

  say();
  say(`calbridge is running: ${app.server.url}`);
  say(`  Apollo Sandbox:  open ${app.server.url} in a browser${config.NODE_ENV === 'production' ? ' (disabled in production)' : ''}`);
  if (config.NODE_ENV !== 'production') say(`  explorer:        open http://localhost:${app.server.port}${EXPLORER_PATH}/ (works offline; paste a token under Environments)`);
  say(`  health:          http://localhost:${app.server.port}/healthz   readiness: http://localhost:${app.server.port}/readyz`);
  if (sandbox) {
    say();
    say('Sandbox providers (each user below has an Outlook and a Google account with the same email):');
    for (const line of sandbox.lines) say(line);
    say('  Try: startConnection(locationId, provider: GOOGLE) as a user, open the authorizationUrl, click Accept.');
  }
  if (demo) {
    say();
    say(`Demo data (${demo.created ? 'seeded now' : 'already there'}). Paste a header into Apollo Sandbox (or the token into the explorer):`);
    for (const u of demo.users) {
      say(`  ${u.label.padEnd(44)} ${u.email}`);
      say(`    {"Authorization": "Bearer ${signUserToken(config.AUTH_JWT_SECRET, u.id)}"}`);
    }
    say(`  service token (provisioning)`);
    say(`    {"Authorization": "Bearer ${signServiceToken(config.AUTH_JWT_SECRET)}"}`);
  }
  say();
}

// Handlers first (main starts on the next microtask), so a signal during the start is handled too.
const starting = Promise.resolve().then(main);
lifecycle.exitOnTermination(starting, { deadlineMs: 9_000, watchParent: !!process.env.npm_lifecycle_event });
starting.catch(async (err: unknown) => {
  if (lifecycle.stopping) return; // a signal ended the start: the stop closes and exits
  if (err instanceof ConfigError || err instanceof StartError) {
    process.stderr.write(`${err.message}\n`);
  } else {
    logger.error({ err }, 'calbridge failed to start');
    process.stderr.write(`calbridge failed to start: ${describeFailure(err)}\n`);
  }
  await lifecycle.closeAll();
  process.exit(1);
});
