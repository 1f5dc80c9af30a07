import { startGoogleEmulator } from '../../../emulators/google';
import { startMicrosoftEmulator } from '../../../emulators/microsoft';
import { RawConfig } from '../config/config.schema';

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
 */
export async function startProviderSandbox(raw: RawConfig, emails: string[]): Promise<ProviderSandbox | null> {
  const needMicrosoft = !raw.MICROSOFT_CLIENT_ID;
  const needGoogle = !raw.GOOGLE_CLIENT_ID;
  if (!needMicrosoft && !needGoogle) return null;
  const env: ProviderSandbox['env'] = {};
  const lines: string[] = [];
  const closers: Array<() => Promise<void>> = [];
  let caPem: string | null = null;
  if (needMicrosoft) {
    const ms = await startMicrosoftEmulator({ accounts: emails.map((email) => ({ email, displayName: email.split('@')[0], calendars: ['Team Calendar'] })) });
    Object.assign(env, { MICROSOFT_CLIENT_ID: 'sandbox-client', MICROSOFT_CLIENT_SECRET: 'sandbox-secret', MICROSOFT_AUTHORITY: ms.authority, MICROSOFT_GRAPH_URL: ms.graphUrl });
    caPem = ms.caPem;
    closers.push(() => ms.close());
    lines.push(`  Outlook  → Microsoft emulator ${ms.origin} (identity + Graph, test CA)`);
  }
  if (needGoogle) {
    const g = await startGoogleEmulator({ accounts: emails.map((email) => ({ email, name: email.split('@')[0], calendars: [{ summary: 'Team Calendar', accessRole: 'owner' }] })) });
    Object.assign(env, { GOOGLE_CLIENT_ID: 'sandbox-client', GOOGLE_CLIENT_SECRET: 'sandbox-secret', GOOGLE_AUTH_URL: g.authUrl, GOOGLE_TOKEN_URL: g.tokenUrl, GOOGLE_API_URL: g.apiUrl });
    closers.push(() => g.close());
    lines.push(`  Google   → Google emulator ${g.baseUrl} (OAuth + Calendar v3)`);
  }
  return {
    env,
    caPem,
    lines,
    close: async () => {
      for (const c of closers) await c();
    },
  };
}
