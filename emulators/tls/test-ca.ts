// The emulators' test CA and localhost certificate (see generate.sh). Test-only material.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestTls {
  /** PEM of the CA to trust (PROVIDER_CA_FILE / ProviderEndpoints.caPem). */
  caPem: string;
  /** Server certificate for localhost, 127.0.0.1 and ::1. */
  cert: string;
  key: string;
  /** Absolute path of ca.pem, for env vars such as PROVIDER_CA_FILE. */
  caFile: string;
}

let cached: TestTls | null = null;

export function testTls(): TestTls {
  if (!cached) {
    const caFile = join(__dirname, 'ca.pem');
    cached = {
      caPem: readFileSync(caFile, 'utf8'),
      cert: readFileSync(join(__dirname, 'server.pem'), 'utf8'),
      key: readFileSync(join(__dirname, 'server.key'), 'utf8'),
      caFile,
    };
  }
  return cached;
}
