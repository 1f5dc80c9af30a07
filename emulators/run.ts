// `npm run emulators`: both provider emulators on their own, printing their URLs and how to point calbridge at them.
// Options: MICROSOFT_EMULATOR_PORT, GOOGLE_EMULATOR_PORT (default: free ports), EMULATOR_ACCOUNTS (comma-separated emails).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGoogleEmulator } from './google';
import { startMicrosoftEmulator } from './microsoft';

async function main(): Promise<void> {
  const emails = (process.env.EMULATOR_ACCOUNTS ?? '').split(',').map((e) => e.trim()).filter(Boolean);
  const [ms, google] = await Promise.all([
    startMicrosoftEmulator({ port: Number(process.env.MICROSOFT_EMULATOR_PORT ?? 0), accounts: emails.map((email) => ({ email })) }),
    startGoogleEmulator({ port: Number(process.env.GOOGLE_EMULATOR_PORT ?? 0), accounts: emails.map((email) => ({ email })) }),
  ]);
  const caFile = join(mkdtempSync(join(tmpdir(), 'calbridge-emulator-ca-')), 'ca.pem');
  writeFileSync(caFile, ms.caPem);
  const out = (s = '') => process.stdout.write(`${s}\n`);
  out('Provider emulators running (Ctrl-C to stop).');
  out(`  Microsoft identity + Graph: ${ms.origin}   control API: ${ms.controlUrl}`);
  out(`  Google OAuth + Calendar:    ${google.baseUrl}   control API: ${google.controlUrl}`);
  out();
  out('Point calbridge at them:');
  out(`  MICROSOFT_CLIENT_ID=emulator MICROSOFT_CLIENT_SECRET=emulator MICROSOFT_AUTHORITY=${ms.authority} MICROSOFT_GRAPH_URL=${ms.graphUrl} PROVIDER_CA_FILE=${caFile} \\`);
  out(`  GOOGLE_CLIENT_ID=emulator GOOGLE_CLIENT_SECRET=emulator GOOGLE_AUTH_URL=${google.authUrl} GOOGLE_TOKEN_URL=${google.tokenUrl} GOOGLE_API_URL=${google.apiUrl} npm start`);
  const stop = async () => {
    await Promise.all([ms.close(), google.close()]);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
