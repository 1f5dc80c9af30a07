// Validation of 100 KB documents of abusive shapes (and of the largest accepted ones), as the server validates
// them: limits first, then graphql-js's rules. The figure is the worst shape's median.
import 'reflect-metadata';
import { parse } from 'graphql';
import { buildAppSchema } from '../src/app/graphql/schema';
import { validateDocument } from '../src/app/graphql/validation-rules';
import { abusiveDocuments, acceptedDocuments } from '../test/support/abusive-documents';
import type { Figure } from './run';

const SIZE = 100 * 1024;
const RUNS = 9;

export async function run(): Promise<Figure[]> {
  const schema = await buildAppSchema();
  const settings = { limits: { maxDepth: 12, maxCost: 20000 }, production: false };
  let worst = { shape: '', ms: 0 };
  for (const [shape, query] of Object.entries({ ...abusiveDocuments(SIZE), ...acceptedDocuments(SIZE) })) {
    const document = parse(query);
    validateDocument(schema, document, settings); // warm-up
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      validateDocument(schema, document, settings);
      times.push(performance.now() - started);
    }
    const median = times.sort((a, b) => a - b)[Math.floor(RUNS / 2)];
    process.stderr.write(`validate ${shape}: ${median.toFixed(2)} ms (${query.length} chars)\n`);
    if (median > worst.ms) worst = { shape, ms: median };
  }
  return [{ figure: 'validate_worst_ms', value: Number(worst.ms.toFixed(2)), unit: 'ms', shape: worst.shape, document_bytes: SIZE, runs: RUNS, statistic: 'median' }];
}
