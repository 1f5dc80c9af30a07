import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, findBreakingChanges } from 'graphql';
import { printSchemaFile } from '../../src/app/graphql/print-schema';

describe('schema.graphql', () => {
  it('is exactly what the code emits (run `npm run schema:emit` after changing the API)', async () => {
    const committed = readFileSync(join(__dirname, '../../schema.graphql'), 'utf8');
    expect(committed).toBe(await printSchemaFile());
  });

  it('changes nothing the shared API contract defines', () => {
    const contractPath = join(__dirname, '../../../shared/api-contract.graphql');
    let contractSdl: string;
    try {
      contractSdl = readFileSync(contractPath, 'utf8');
    } catch {
      // The contract lives beside the repo (../shared); a checkout without it cannot run this check.
      console.warn(`schema contract check skipped: ${contractPath} not found`);
      return;
    }
    const absent = new Set(['TYPE_REMOVED', 'FIELD_REMOVED', 'ARG_REMOVED', 'VALUE_REMOVED_FROM_ENUM']);
    const changed = findBreakingChanges(buildSchema(contractSdl), buildSchema(readFileSync(join(__dirname, '../../schema.graphql'), 'utf8'))).filter(
      (b) => !absent.has(b.type),
    );
    expect(changed.map((b) => b.description)).toEqual([]);
  });
});
