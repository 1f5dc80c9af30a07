// `npm run bench`: runs every bench/*.bench.ts and prints one JSON line per figure on stdout.
// Each bench module exports `run(): Promise<Figure[]>`; diagnostics go to stderr only.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface Figure {
  figure: string;
  value: number;
  unit: string;
  [context: string]: unknown;
}

async function main(): Promise<void> {
  // The service's log would go to stdout, which carries the figures only.
  process.env.LOG_LEVEL ??= 'silent';
  // Libraries run as deployed: graphql-js (and express) leave out their development checks, which cost a few ms
  // per large response. Each service still gets the config its bench passes (NODE_ENV test for startTestApp).
  process.env.NODE_ENV ??= 'production';
  const only = process.argv[2];
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => !only || f.includes(only))
    .sort();
  for (const file of files) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(join(__dirname, file)) as { run: () => Promise<Figure[]> };
    for (const figure of await mod.run()) process.stdout.write(`${JSON.stringify(figure)}\n`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
