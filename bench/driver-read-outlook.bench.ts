// driver_read_outlook: a full calendarView/delta of one calendar with 20,000 events through the Outlook driver,
// over HTTPS against the in-process Microsoft emulator. The helpers also serve sync-ingest.bench.ts, whose ratio
// divides by the driver reading exactly what the pipeline reads. Diagnostics on stderr only.
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:https';
import { performance } from 'node:perf_hooks';
import { startMicrosoftEmulator, type MicrosoftEmulator } from '../emulators/microsoft';
import type { TokenSet } from '../src/providers/calendar-provider';
import { OutlookDriver } from '../src/providers/outlook/outlook.driver';
import type { Figure } from './run';

const EVENTS = 20_000;
const PAGE_SIZE = 1000;
const ROUNDS = 3;
const REDIRECT_URI = 'https://bench.calbridge.test/callback';

function authorizeRedirect(url: string, caPem: string): Promise<URL> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: caPem }, (res) => {
      res.resume();
      res.on('end', () => (res.headers.location ? resolve(new URL(res.headers.location)) : reject(new Error(`authorize answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A driver on the emulator (its own keep-alive agent), as the service builds it. */
export function benchDriver(emulator: Pick<MicrosoftEmulator, 'authority' | 'graphUrl' | 'caPem'>): OutlookDriver {
  return new OutlookDriver({ clientId: 'bench', clientSecret: 'bench', authority: emulator.authority, graphUrl: emulator.graphUrl, caPem: emulator.caPem });
}

/** Tokens of an emulator account: authorize (login_hint approves at once), then the code exchanged with PKCE. */
export async function driverTokens(driver: OutlookDriver, emulator: Pick<MicrosoftEmulator, 'caPem'>, userPrincipalName: string): Promise<TokenSet> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const url = await driver.authorizationUrl({ redirectUri: REDIRECT_URI, state: 'bench', codeChallenge: challenge, loginHint: userPrincipalName });
  const back = await authorizeRedirect(url, emulator.caPem);
  return driver.exchangeCode({ code: back.searchParams.get('code')!, codeVerifier: verifier, redirectUri: REDIRECT_URI });
}

export interface MailboxRead {
  tokens: TokenSet;
  calendarId: string;
}

/**
 * Full delta reads of these calendars, `concurrency` calendars at a time (each one's pages in sequence, as a
 * sync reads them); returns the events read.
 */
export async function readCalendars(
  driver: OutlookDriver,
  calendars: readonly MailboxRead[],
  opts: { concurrency: number; pageSize: number; windowStart: Date; windowEnd: Date },
): Promise<number> {
  let next = 0;
  let count = 0;
  const worker = async () => {
    for (let i = next++; i < calendars.length; i = next++) {
      const { tokens, calendarId } = calendars[i];
      for await (const page of driver.readChanges(tokens, calendarId, { cursor: null, windowStart: opts.windowStart, windowEnd: opts.windowEnd, pageSize: opts.pageSize })) {
        count += page.upserts.length;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, calendars.length) }, worker));
  return count;
}

/** driver_read_outlook: events/s of a full delta read through the driver (the median of ROUNDS rounds). */
export async function measureDriverReadOutlook(): Promise<Figure> {
  const emulator = await startMicrosoftEmulator({ seedDemo: false });
  const driver = benchDriver(emulator);
  try {
    const account = emulator.addAccount({ email: 'bench@contoso.com' });
    const calendarId = account.defaultCalendarId;
    const base = Date.UTC(2030, 0, 1, 8);
    for (let i = 0; i < EVENTS; i++) {
      const start = new Date(base + i * 15 * 60_000).toISOString().slice(0, 19);
      const end = new Date(base + i * 15 * 60_000 + 10 * 60_000).toISOString().slice(0, 19);
      emulator.state.createEvent(calendarId, { subject: `Event ${i}`, showAs: i % 5 === 0 ? 'tentative' : 'busy', start: { dateTime: start, timeZone: 'UTC' }, end: { dateTime: end, timeZone: 'UTC' } });
    }
    const tokens = await driverTokens(driver, emulator, account.userPrincipalName);
    const read = { concurrency: 1, pageSize: PAGE_SIZE, windowStart: new Date(Date.UTC(2029, 11, 1)), windowEnd: new Date(Date.UTC(2031, 0, 1)) };
    const fullDelta = () => readCalendars(driver, [{ tokens, calendarId }], read);
    await fullDelta(); // warm-up: JIT, TLS session, keep-alive connection
    // The median of a few rounds: a shared CI machine makes single rounds noisy
    const rounds: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const started = performance.now();
      const count = await fullDelta();
      const seconds = (performance.now() - started) / 1000;
      if (count !== EVENTS) throw new Error(`read ${count} events, expected ${EVENTS}`);
      rounds.push(count / seconds);
      process.stderr.write(`driver_read_outlook: ${count} events in ${seconds.toFixed(3)}s\n`);
    }
    const median = rounds.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)];
    return { figure: 'driver_read_outlook', value: Math.round(median), unit: 'events/s', events: EVENTS, pageSize: PAGE_SIZE, rounds: ROUNDS };
  } finally {
    driver.close();
    await emulator.close();
  }
}

export async function run(): Promise<Figure[]> {
  return [await measureDriverReadOutlook()];
}
