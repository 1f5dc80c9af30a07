import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configSchema } from '../../src/app/config/config.schema';

// Operators (and testers pointing calbridge at their own provider fakes) configure it from the README's table and
// .env.example: both must name exactly the variables the service reads.

const root = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');
const schemaVariables = Object.keys(configSchema.shape).sort();
// Tests read this one themselves; it is documented for contributors.
const TEST_ONLY = new Set(['TEST_DATABASE_URL']);

describe('configuration documentation', () => {
  test("README.md's variable table names every variable of the config schema, and nothing else", () => {
    const section = read('README.md').split('## Environment variables')[1].split('\n### ')[0];
    const rows = section.split('\n').filter((line) => line.startsWith('| `'));
    const documented = rows.flatMap((row) => [...row.split('|')[1].matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]));
    expect([...new Set(documented)].filter((v) => !TEST_ONLY.has(v)).sort()).toEqual(schemaVariables);
  });

  test('.env.example lists every variable of the config schema, and nothing else', () => {
    const listed = [...read('.env.example').matchAll(/^([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual(schemaVariables);
  });
});
