import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isRunning } from './process-alive';
import { StartError } from './start-error';

/**
 * The running instance's claim on its data folder: its pid from the first moment, then its embedded
 * database URL (so `npm run token` can reach it) and the GraphQL URL it serves.
 */
export interface RuntimeInfo {
  pid: number;
  databaseUrl?: string;
  url?: string;
}

const file = (dataDir: string) => join(dataDir, 'runtime.json');

export class DataFolderInUseError extends StartError {
  constructor(
    readonly dataDir: string,
    readonly holder: RuntimeInfo,
  ) {
    const dir = resolve(dataDir);
    super(
      `The data folder ${dir} is in use by another calbridge (pid ${holder.pid}${holder.url ? `, serving ${holder.url}` : ''}).\n` +
        `Stop that one first (Ctrl+C in its terminal, or \`kill ${holder.pid}\`), or start this one with another DATA_DIR.`,
    );
    this.name = 'DataFolderInUseError';
  }
}

/** The claim of a live instance, or null (no file, unreadable, or its process is gone). */
export function readRuntime(dataDir: string): RuntimeInfo | null {
  let info: RuntimeInfo;
  try {
    info = JSON.parse(readFileSync(file(dataDir), 'utf8')) as RuntimeInfo;
  } catch {
    return null;
  }
  return isRunning(info.pid, 'node') ? info : null;
}

/**
 * Claims the data folder for this process before anything is started in it. The file is created
 * exclusively, so of two starts on one folder exactly one goes on; the other is told who holds it.
 */
export function claimDataFolder(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file(dataDir), JSON.stringify({ pid: process.pid }), { flag: 'wx', mode: 0o600 });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readRuntime(dataDir);
    if (holder && holder.pid !== process.pid) throw new DataFolderInUseError(dataDir, holder);
    // Left by an instance that did not stop cleanly (killed, crashed): take it over.
    rmSync(file(dataDir), { force: true });
  }
  throw new StartError(`Could not claim the data folder ${resolve(dataDir)}: ${file(dataDir)} keeps reappearing. Is another calbridge starting there?`);
}

/** Adds what this instance now knows (database URL, served URL) to its claim. */
export function updateRuntime(dataDir: string, info: Partial<RuntimeInfo>): void {
  const current = JSON.parse(readFileSync(file(dataDir), 'utf8')) as RuntimeInfo;
  writeFileSync(file(dataDir), JSON.stringify({ ...current, ...info, pid: process.pid }), { mode: 0o600 });
}

/** Releases the claim, only if it is this process's. */
export function releaseDataFolder(dataDir: string): void {
  try {
    const current = JSON.parse(readFileSync(file(dataDir), 'utf8')) as RuntimeInfo;
    if (current.pid !== process.pid) return;
  } catch {
    return;
  }
  rmSync(file(dataDir), { force: true });
}
