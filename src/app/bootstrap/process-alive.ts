import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/** True when a process with this pid exists (EPERM: it exists but belongs to another user). */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A pid written by an earlier run may have been reused (after a crash or a reboot): where /proc
 * tells, the process only counts when its program is the expected one (`node`, `postgres`).
 */
export function isRunning(pid: number, program: string): boolean {
  if (!isAlive(pid)) return false;
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return true;
  }
  return basename(cmdline.split('\0')[0] ?? '').startsWith(program);
}
