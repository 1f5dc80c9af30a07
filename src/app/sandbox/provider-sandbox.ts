import { join } from 'node:path';
import { startGoogleEmulator } from '../../../emulators/google';
import { startMicrosoftEmulator } from '../../../emulators/microsoft';
import { RawConfig } from '../config/config.schema';
import { readPorts, SandboxPorts, startOnPort, writePorts } from './sandbox-ports';

export interface ProviderSandbox {
  /** Settings that point the drivers at the emulators, for the providers without credentials. */
  env: Partial<Record<keyof RawConfig, string>>;
  caPem: string | null;
  lines: string[];
  close(): Promise<void>;
}

/**
 * Sandbox mode: a provider without credentials is served by its emulator, in-process, so the whole
 * connect flow works offline. Each demo user gets an Outlook and a Google account with the same email.
 * The emulators keep their ports and their state (accounts, calendars, events, tokens) in DATA_DIR/sandbox/,
 * so connections made before a restart keep working after it.
 */
export async function startProviderSandbox(raw: RawConfig, emails: string[]): Promise<ProviderSandbox | null> {
  const needMicrosoft = !raw.MICROSOFT_CLIENT_ID;
  const needGoogle = !raw.GOOGLE_CLIENT_ID;
  if (!needMicrosoft && !needGoogle) return null;
  const dir = join(raw.DATA_DIR, 'sandbox');
  const portsFile = join(dir, 'ports.json');
  const remembered = readPorts(portsFile);
  const ports: SandboxPorts = { ...remembered };
  // The consent pages offer the user's own account first (login_hint), the test accounts below it
  const env: ProviderSandbox['env'] = { OAUTH_ACCOUNT_HINT: 'true' };
  const lines: string[] = [];
  const closers: Array<() => Promise<void>> = [];
  let caPem: string | null = null;
  try {
    if (needMicrosoft) {
      const accounts = emails.map((email) => ({ email, displayName: email.split('@')[0], calendars: ['Team Calendar'] }));
      const ms = await startOnPort(remembered.microsoft, (port) => startMicrosoftEmulator({ port, accounts, stateFile: join(dir, 'microsoft.json') }));
      closers.push(() => ms.close());
      ports.microsoft = Number(new URL(ms.origin).port);
      Object.assign(env, { MICROSOFT_CLIENT_ID: 'sandbox-client', MICROSOFT_CLIENT_SECRET: 'sandbox-secret', MICROSOFT_AUTHORITY: ms.authority, MICROSOFT_GRAPH_URL: ms.graphUrl });
      caPem = ms.caPem;
      lines.push(`  Outlook  → Microsoft emulator ${ms.origin} (identity + Graph; the browser warns about its test certificate, see README)`);
    }
    if (needGoogle) {
      const accounts = emails.map((email) => ({ email, name: email.split('@')[0], calendars: [{ summary: 'Team Calendar', accessRole: 'owner' as const }] }));
      const g = await startOnPort(remembered.google, (port) => startGoogleEmulator({ port, accounts, stateFile: join(dir, 'google.json') }));
      closers.push(() => g.close());
      ports.google = Number(new URL(g.baseUrl).port);
      Object.assign(env, { GOOGLE_CLIENT_ID: 'sandbox-client', GOOGLE_CLIENT_SECRET: 'sandbox-secret', GOOGLE_AUTH_URL: g.authUrl, GOOGLE_TOKEN_URL: g.tokenUrl, GOOGLE_API_URL: g.apiUrl });
      lines.push(`  Google   → Google emulator ${g.baseUrl} (OAuth + Calendar v3)`);
    }
    writePorts(portsFile, ports);
  } catch (err) {
    for (const c of closers) await c();
    throw err;
  }
  lines.push(`  State of both (accounts, calendars, events, tokens) is kept in ${dir}; delete it to start afresh.`);
  return {
    env,
    caPem,
    lines,
    close: async () => {
      for (const c of closers) await c();
    },
  };
}
