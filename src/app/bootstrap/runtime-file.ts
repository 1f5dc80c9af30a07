import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where a running local service left its embedded database URL, so `npm run token` can reach it. */
export interface RuntimeInfo {
  databaseUrl: string;
  pid: number;
}

const file = (dataDir: string) => join(dataDir, 'runtime.json');

export function writeRuntime(dataDir: string, info: RuntimeInfo): void {
  writeFileSync(file(dataDir), JSON.stringify(info), { mode: 0o600 });
}

export function readRuntime(dataDir: string): RuntimeInfo | null {
  if (!existsSync(file(dataDir))) return null;
  const info = JSON.parse(readFileSync(file(dataDir), 'utf8')) as RuntimeInfo;
  try {
    process.kill(info.pid, 0);
    return info;
  } catch {
    return null;
  }
}

export function clearRuntime(dataDir: string): void {
  rmSync(file(dataDir), { force: true });
}
