// Full sync of one 20,000-event Google calendar through the driver and the emulator.
import { createHash, randomBytes } from 'node:crypto';
import { startGoogleEmulator } from '../emulators/google';
import { GoogleCalendarDriver } from '../src/providers/google/google.driver';
import type { Figure } from './run';

const EVENTS = 20_000;
const PAGE_SIZE = 2500;
const REDIRECT_URI = 'http://127.0.0.1:9/callback';

export async function run(): Promise<Figure[]> {
  const emu = await startGoogleEmulator({ clientId: 'bench', clientSecret: 'bench' });
  try {
    const email = 'bench@example.com';
    emu.addAccount({ email, timeZone: 'Europe/Berlin' });
    const from = Date.parse('2025-01-06T08:00:00Z');
    for (let i = 0; i < EVENTS; i++) {
      const start = from + Math.floor(i / 8) * 86_400_000 / 4 + (i % 8) * 3_600_000;
      emu.state.insertEvent(email, {
        summary: `Client meeting ${i}`,
        start: { dateTime: new Date(start).toISOString(), timeZone: 'Europe/Berlin' },
        end: { dateTime: new Date(start + 1_800_000).toISOString(), timeZone: 'Europe/Berlin' },
        transparency: i % 10 === 0 ? 'transparent' : undefined,
      });
    }
    const driver = new GoogleCalendarDriver({ clientId: 'bench', clientSecret: 'bench', authUrl: emu.authUrl, tokenUrl: emu.tokenUrl, apiUrl: emu.apiUrl });
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const url = await driver.authorizationUrl({ redirectUri: REDIRECT_URI, state: 'bench', codeChallenge: challenge, loginHint: email });
    const location = (await fetch(url, { redirect: 'manual' })).headers.get('location')!;
    const tokens = await driver.exchangeCode({ code: new URL(location).searchParams.get('code')!, codeVerifier: verifier, redirectUri: REDIRECT_URI });

    const opts = { cursor: null, windowStart: new Date('2025-01-01T00:00:00Z'), windowEnd: new Date('2040-01-01T00:00:00Z'), pageSize: PAGE_SIZE, calendarTimeZone: 'Europe/Berlin' };
    // one warm-up pass (JIT, connection), then the measured one
    await drain(driver.readChanges(tokens, email, opts));
    const started = performance.now();
    const read = await drain(driver.readChanges(tokens, email, opts));
    const seconds = (performance.now() - started) / 1000;
    if (read !== EVENTS) throw new Error(`read ${read} events, expected ${EVENTS}`);
    process.stderr.write(`driver_read_google: ${EVENTS} events in ${seconds.toFixed(3)}s\n`);
    return [{ figure: 'driver_read_google', value: Math.round(EVENTS / seconds), unit: 'events/s', events: EVENTS, pageSize: PAGE_SIZE }];
  } finally {
    await emu.close();
  }
}

async function drain(pages: AsyncIterable<{ upserts: unknown[] }>): Promise<number> {
  let n = 0;
  for await (const p of pages) n += p.upserts.length;
  return n;
}
