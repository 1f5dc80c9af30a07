import { lexicographicSortSchema, printSchema } from 'graphql';
import { buildAppSchema } from './schema';

const HEADER = '# Emitted from the code by `npm run schema:emit`. Do not edit: a test fails when this file and the code differ.\n\n';

/** The SDL of the service, sorted so the committed file diffs cleanly. */
export async function printSchemaFile(): Promise<string> {
  return HEADER + printSchema(lexicographicSortSchema(await buildAppSchema())) + '\n';
}
