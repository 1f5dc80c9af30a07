import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

export interface ServiceProcess {
  /** The `npm start` process the test spawned (node runs under it, through npm's `sh -c`). */
  npm: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code and signal of the npm process. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface ReadyService {
  url: string;
  /** node's own pid and the embedded PostgreSQL's postmaster pid and port, from the data folder. */
  nodePid: number;
  postmasterPid: number;
  postgresPort: number;
  /** Demo users' tokens as the banner prints them, by email. */
  tokens: Map<string, string>;
}

/** `npm start` as a user types it: embedded database in `dataDir`, sandbox providers, any free port. */
export function spawnService(dataDir: string): ServiceProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', NODE_ENV: 'development', SEED_DEMO: 'auto', LOG_LEVEL: 'info' };
  for (const k of ['DATABASE_URL', 'REDIS_URL', 'MICROSOFT_CLIENT_ID', 'GOOGLE_CLIENT_ID', 'PUBLIC_URL']) delete env[k];
  const npm = spawn('npm', ['start'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  npm.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  npm.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => npm.once('exit', (code, signal) => resolve({ code, signal })));
  return { npm, output: () => out, exited };
}

/** Waits for the banner's last line (the service token), then reads the pids from the data folder. */
export async function untilReady(svc: ServiceProcess, dataDir: string, timeoutMs = 60_000): Promise<ReadyService> {
  const banner = /service token \(provisioning\)\n {4}\{"Authorization": "Bearer [^"]+"\}\n/;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`not ready after ${timeoutMs} ms:\n${svc.output()}`)), timeoutMs);
    const check = () => banner.test(svc.output()) && done();
    const early = () => done(new Error(`npm start exited before it was ready:\n${svc.output()}`));
    function done(err?: Error) {
      clearTimeout(timer);
      svc.npm.stdout!.off('data', check);
      svc.npm.off('exit', early);
      if (err) reject(err);
      else resolve();
    }
    svc.npm.stdout!.on('data', check);
    svc.npm.once('exit', early);
    check();
  });
  const out = svc.output();
  const tokens = new Map<string, string>();
  for (const m of out.matchAll(/^ {2}.+? (\S+@\S+)\n {4}\{"Authorization": "Bearer ([^"]+)"\}$/gm)) tokens.set(m[1], m[2]);
  const postmaster = readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n');
  return {
    url: /calbridge is running: (\S+)/.exec(out)![1],
    nodePid: (JSON.parse(readFileSync(join(dataDir, 'runtime.json'), 'utf8')) as { pid: number }).pid,
    postmasterPid: Number(postmaster[0]),
    postgresPort: Number(postmaster[3]),
    tokens,
  };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when nothing listens on the port (the connection is refused). */
export function portClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/** Polls until none of the pids is alive; resolves with the time it took, or rejects at the deadline. */
export async function untilGone(pids: number[], deadlineMs: number): Promise<number> {
  const start = Date.now();
  while (pids.some(isAlive)) {
    if (Date.now() - start > deadlineMs) throw new Error(`still running after ${deadlineMs} ms: ${pids.filter(isAlive).join(', ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - start;
}

export const runtimeFileExists = (dataDir: string) => existsSync(join(dataDir, 'runtime.json'));
