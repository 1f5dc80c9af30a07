import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

// The emulators' ports, remembered in the data folder so their addresses (and the URLs calbridge
// was given at the last start) stay the same across restarts.

export type SandboxPorts = Partial<Record<'microsoft' | 'google', number>>;

export function readPorts(file: string): SandboxPorts {
  if (!existsSync(file)) return {};
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as SandboxPorts;
    return parsed && typeof parsed === 'object' ? parsed : {};
  } catch {
    // A damaged file only costs the old addresses
    return {};
  }
}

export function writePorts(file: string, ports: SandboxPorts): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(ports, null, 2)}\n`);
}

/** Starts on the remembered port; when another process holds it, on a new free one. */
export async function startOnPort<T>(remembered: number | undefined, start: (port: number) => Promise<T>): Promise<T> {
  if (!remembered) return start(0);
  try {
    return await start(remembered);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    return start(0);
  }
}
