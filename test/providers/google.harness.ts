import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startGoogleEmulator, type GoogleEmulator, type GoogleEmulatorOptions } from '../../emulators/google';
import type { PushRequest, TokenSet } from '../../src/providers/calendar-provider';
import { GoogleCalendarDriver } from '../../src/providers/google/google.driver';

// Shared set-up for the Google driver scenarios: emulator on port 0, driver pointed at it.

export const fastRetries = { maxAttempts: 4, baseDelayMs: 5, maxWaitMs: 5_000 };
export const REDIRECT_URI = 'http://127.0.0.1:9/oauth/callback';

export async function startGoogle(opts: GoogleEmulatorOptions = {}): Promise<{ emu: GoogleEmulator; driver: GoogleCalendarDriver }> {
  const emu = await startGoogleEmulator({ clientId: 'calbridge-test', clientSecret: 'test-secret', ...opts });
  const driver = new GoogleCalendarDriver(
    { clientId: 'calbridge-test', clientSecret: 'test-secret', authUrl: emu.authUrl, tokenUrl: emu.tokenUrl, apiUrl: emu.apiUrl },
    fastRetries,
  );
  return { emu, driver };
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The browser part of the flow: follow the authorize URL (login_hint approves at once) to the redirect. */
export async function authorize(driver: GoogleCalendarDriver, email: string, challenge: string, state = randomBytes(8).toString('hex')): Promise<URL> {
  const url = await driver.authorizationUrl({ redirectUri: REDIRECT_URI, state, codeChallenge: challenge, loginHint: email });
  const res = await fetch(url, { redirect: 'manual' });
  if (res.status !== 302) throw new Error(`authorize answered ${res.status}`);
  return new URL(res.headers.get('location')!);
}

export async function connect(driver: GoogleCalendarDriver, email: string): Promise<TokenSet> {
  const { verifier, challenge } = pkce();
  const redirect = await authorize(driver, email, challenge);
  return driver.exchangeCode({ code: redirect.searchParams.get('code')!, codeVerifier: verifier, redirectUri: REDIRECT_URI });
}

let counter = 0;
export const uniqueEmail = (label: string) => `${label}.${process.pid}.${++counter}@example.com`;

/** A tiny webhook receiver; `next()` resolves with the next request it gets. */
export async function startReceiver(): Promise<{ url: string; next: () => Promise<PushRequest>; close: () => Promise<void> }> {
  const received: PushRequest[] = [];
  const waiters: ((r: PushRequest) => void)[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const pr: PushRequest = { headers: req.headers as IncomingHttpHeaders, query: {}, body: null };
      res.writeHead(200).end();
      const w = waiters.shift();
      if (w) w(pr);
      else received.push(pr);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/google`,
    next: () => (received.length ? Promise.resolve(received.shift()!) : new Promise((resolve) => waiters.push(resolve))),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
