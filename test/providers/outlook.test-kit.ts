// Helpers for the Outlook driver tests: sign in through the emulator's authorize endpoint
// (login_hint + PKCE), and a local webhook receiver on port 0.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { MicrosoftEmulator } from '../../emulators/microsoft';
import type { PushRequest, TokenSet } from '../../src/providers/calendar-provider';
import { OutlookDriver, type OutlookDriverOptions } from '../../src/providers/outlook/outlook.driver';

export const REDIRECT_URI = 'https://app.calbridge.test/oauth/outlook/callback';

export function driverOptions(emulator: MicrosoftEmulator, clientId = 'calbridge-test'): OutlookDriverOptions {
  return {
    clientId,
    clientSecret: 'test-secret',
    authority: emulator.authority,
    graphUrl: emulator.graphUrl,
    caPem: emulator.caPem,
    retryPolicy: { maxAttempts: 4, baseDelayMs: 10, maxWaitMs: 5_000 },
  };
}

export function driverFor(emulator: MicrosoftEmulator, clientId = 'calbridge-test'): OutlookDriver {
  return new OutlookDriver(driverOptions(emulator, clientId));
}

/** GET without following redirects, trusting the emulator's CA. */
export function getNoRedirect(url: string, caPem: string): Promise<{ status: number; location: string | null; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: caPem }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location ?? null, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The whole sign-in: authorize (login_hint, no click) → code → tokens. */
export async function connect(emulator: MicrosoftEmulator, driver: OutlookDriver, email: string): Promise<TokenSet> {
  const { verifier, challenge } = pkce();
  const state = randomBytes(8).toString('hex');
  const url = await driver.authorizationUrl({ redirectUri: REDIRECT_URI, state, codeChallenge: challenge, loginHint: email });
  const res = await getNoRedirect(url, emulator.caPem);
  if (res.status !== 302 || !res.location) throw new Error(`authorize answered ${res.status}`);
  const back = new URL(res.location);
  if (back.searchParams.get('state') !== state) throw new Error('state not echoed');
  return driver.exchangeCode({ code: back.searchParams.get('code')!, codeVerifier: verifier, redirectUri: REDIRECT_URI });
}

export interface Receiver {
  url: string;
  received: PushRequest[];
  /** Resolves with the first received request (past or future) matching `predicate`. */
  waitFor(predicate: (r: PushRequest) => boolean): Promise<PushRequest>;
  close(): Promise<void>;
}

/** A webhook endpoint on port 0; `answer` decides each response (handshakes included). */
export async function startReceiver(answer: (req: PushRequest, res: ServerResponse) => void): Promise<Receiver> {
  const received: PushRequest[] = [];
  const waiters: { predicate: (r: PushRequest) => boolean; resolve: (r: PushRequest) => void }[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const text = Buffer.concat(chunks).toString('utf8');
      const push: PushRequest = {
        headers: req.headers,
        query: Object.fromEntries(url.searchParams),
        body: text && req.headers['content-type']?.includes('json') ? JSON.parse(text) : text,
      };
      received.push(push);
      answer(push, res);
      for (const w of [...waiters]) {
        if (w.predicate(push)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(push);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/outlook`,
    received,
    waitFor: (predicate) => {
      const seen = received.find(predicate);
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ predicate, resolve }));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

let counter = 0;
/** A unique sign-in name per test, so tests sharing an emulator never see each other's data. */
export const uniqueEmail = (prefix: string, domain = 'contoso.com'): string => `${prefix}.${process.pid}.${++counter}@${domain}`;
