// The service as a real child process (`node src/main.ts`, as `npm start` runs it) on a database and emulators the
// test owns: its memory is its own, and it can be killed with SIGKILL mid-work.
import { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { print } from 'graphql';
import { signServiceToken, signUserToken } from '../../src/app/auth/jwt';
import { GqlResult, TEST_JWT_SECRET, TEST_TOKEN_KEY } from './test-app';

const root = join(__dirname, '..', '..');

export interface ChildService {
  proc: ChildProcess;
  pid: number;
  url: string;
  wsUrl: string;
  tokenFor(userId: string): string;
  serviceToken: string;
  gql<R, V>(doc: TypedDocumentNode<R, V>, variables: V, token?: string | null): Promise<GqlResult<R>>;
  /** stdout and stderr so far (the log, for a failure's message). */
  output(): string;
  /** SIGKILL: no handler runs, nothing is released. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit (the graceful stop). */
  stop(): Promise<void>;
}

/**
 * Starts `node -r @swc-node/register src/main.ts` with the test secrets and `env` (DATABASE_URL, the emulators'
 * variables, PROCESS_ROLE…) on a free port; resolves once its banner says it is running.
 */
export async function startChildService(env: Record<string, string>, opts: { timeoutMs?: number; execArgv?: string[] } = {}): Promise<ChildService> {
  const proc = spawn(process.execPath, [...(opts.execArgv ?? []), '-r', '@swc-node/register', 'src/main.ts'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SWC_NODE_PROJECT: join(root, 'tsconfig.json'),
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      PORT: '0',
      HOST: '127.0.0.1',
      SEED_DEMO: 'never',
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      TOKEN_ENCRYPTION_KEYS: TEST_TOKEN_KEY,
      ...env,
    },
  });
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`the service did not start within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const check = () => {
      const m = /calbridge is running: (\S+)/.exec(out);
      if (m) done(null, m[1]);
    };
    const early = () => done(new Error(`the service exited before it was running:\n${out}`));
    function done(err: Error | null, found?: string) {
      clearTimeout(timer);
      proc.stdout!.off('data', check);
      proc.off('exit', early);
      if (err) {
        proc.kill('SIGKILL');
        reject(err);
      } else resolve(found!);
    }
    proc.stdout!.on('data', check);
    proc.once('exit', early);
    check();
  });
  const post = async (body: unknown, token?: string | null) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
    return (await res.json()) as GqlResult<never>;
  };
  const gone = async (signal: NodeJS.Signals) => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    await exited;
  };
  return {
    proc,
    pid: proc.pid!,
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    tokenFor: (userId) => signUserToken(TEST_JWT_SECRET, userId),
    serviceToken: signServiceToken(TEST_JWT_SECRET),
    gql: (doc, variables, token) => post({ query: print(doc), variables }, token),
    output: () => out,
    kill: () => gone('SIGKILL'),
    stop: () => gone('SIGTERM'),
  };
}
