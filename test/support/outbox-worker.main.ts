// A second calbridge process for the kill -9 test: the whole service on the test's database, its outbox working
// with a short lease. Prints "ready" once it runs. Configured by the environment (as the test passes it).
import { startApp } from '../../src/app/app';
import { parseEnv, resolveConfig } from '../../src/app/config/config';

const config = resolveConfig(parseEnv(process.env));
startApp({ config, outbox: { leaseSeconds: Number(process.env.TEST_OUTBOX_LEASE_SECONDS ?? 2), sweepMs: 50 } }).then(
  () => process.stdout.write('ready\n'),
  (err) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
  },
);
