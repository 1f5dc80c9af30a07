// convergence_ok: the randomized convergence scenario of test/sync/convergence.test.ts, larger — more accounts per
// provider, more rounds and edits — on two service instances sharing one scratch database. 1 when every round
// ended with exactly the providers' events (and no calendar was synced by two workers at once), else 0; the seed
// (CONVERGENCE_SEED, random by default) replays the edit script. Diagnostics on stderr only.
import { runConvergence } from '../test/support/convergence-scenario';
import type { Figure } from './run';
import { scratchDatabase } from './support/bench-database';

const ROUNDS = Number(process.env.CONVERGENCE_ROUNDS ?? 30);
const ACCOUNTS = 3;
const MAX_EDITS = 12;
const STALLS = 6;

export async function run(): Promise<Figure[]> {
  const seed = process.env.CONVERGENCE_SEED ? Number(process.env.CONVERGENCE_SEED) : Math.floor(Math.random() * 2 ** 31);
  const db = await scratchDatabase();
  const started = Date.now();
  try {
    const r = await runConvergence({
      seed,
      rounds: ROUNDS,
      accountsPerProvider: ACCOUNTS,
      maxEditsPerRound: MAX_EDITS,
      stalls: STALLS,
      settleTimeoutMs: 20_000,
      databaseUrl: db.url,
      log: (line) => process.stderr.write(`${line}\n`),
    });
    if (!r.ok) process.stderr.write(`convergence failed (CONVERGENCE_SEED=${seed}):\n${r.failure}\n`);
    return [
      {
        figure: 'convergence_ok',
        value: r.ok ? 1 : 0,
        unit: 'ratio',
        seed,
        rounds: r.rounds,
        edits: r.edits,
        faults: r.faults,
        calendars: ACCOUNTS * 2,
        instances: 2,
        syncs: r.syncs[0] + r.syncs[1],
        stalls: r.stalls,
        takeovers: r.takeovers,
        seconds: Math.round((Date.now() - started) / 100) / 10,
        editsByKind: r.editsByKind,
        faultsByKind: r.faultsByKind,
      },
    ];
  } finally {
    await db.drop();
  }
}
