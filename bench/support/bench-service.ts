// The service in-process (as the tests start it) against in-process emulators, on a scratch database.
import { randomBytes } from 'node:crypto';
import type { StartAppOptions } from '../../src/app/app';
import { ConnectFlow, Emulators, startEmulators } from '../../test/support/connect-flow';
import { insertAgency, insertLocation, insertUser } from '../../test/support/fixtures';
import { startTestApp, TestApp } from '../../test/support/test-app';
import { scratchDatabase, ScratchDatabase } from './bench-database';

export interface BenchService {
  t: TestApp;
  emu: Emulators;
  flow: ConnectFlow;
  db: ScratchDatabase;
  close(): Promise<void>;
}

export async function startBenchService(env: Record<string, string> = {}, options: Pick<StartAppOptions, 'sync' | 'outbox'> = {}): Promise<BenchService> {
  const db = await scratchDatabase();
  const emu = await startEmulators();
  const t = await startTestApp({ ...emu.env, ...env }, db.url, options);
  return {
    t,
    emu,
    flow: new ConnectFlow(t, emu),
    db,
    close: async () => {
      await t.stop();
      await emu.close();
      await db.drop();
    },
  };
}

/** One agency and location with `users` account users. */
export async function benchTenant(t: TestApp, users: number): Promise<{ agencyId: string; locationId: string; userIds: string[] }> {
  const agencyId = await insertAgency(t.app.ds);
  const locationId = await insertLocation(t.app.ds, agencyId, 'Bench', 'UTC');
  const userIds: string[] = [];
  for (let i = 0; i < users; i++) userIds.push(await insertUser(t.app.ds, agencyId, 'ACCOUNT', 'USER', [locationId], `bench.${i}.${randomBytes(3).toString('hex')}@bench.test`));
  return { agencyId, locationId, userIds };
}

export const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The p-th percentile (0-100) by nearest rank. */
export function percentile(xs: readonly number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Polls `check` until it is true (diagnostic benches: no event to wait for across processes). */
export async function until(check: () => Promise<boolean>, timeoutMs: number, what: string, everyMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
