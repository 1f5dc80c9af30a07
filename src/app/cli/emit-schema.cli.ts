// `npm run schema:emit`: writes schema.graphql from the code (committed; a test fails when they differ).
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printSchemaFile } from '../graphql/print-schema';

printSchemaFile()
  .then((sdl) => {
    writeFileSync(join(__dirname, '../../../schema.graphql'), sdl);
    process.stderr.write('schema.graphql written\n');
  })
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
