// An emulator's state as one JSON file: read at start, written (debounced) after changes and
// on close, so a restarted emulator answers as before. Maps and Sets survive the round trip.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const DEFAULT_DELAY_MS = 200;

function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Map) return { $map: [...value.entries()] };
  if (value instanceof Set) return { $set: [...value.values()] };
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const v = value as { $map?: [unknown, unknown][]; $set?: unknown[] };
    if (Array.isArray(v.$map) && Object.keys(v).length === 1) return new Map(v.$map);
    if (Array.isArray(v.$set) && Object.keys(v).length === 1) return new Set(v.$set);
  }
  return value;
}

export const encodeSnapshot = (value: unknown): string => JSON.stringify(value, replacer);
export const decodeSnapshot = <T>(text: string): T => JSON.parse(text, reviver) as T;

export class SnapshotFile<T> {
  private timer: NodeJS.Timeout | null = null;
  private lastWritten: string | null = null;

  constructor(
    readonly path: string,
    /** Takes the snapshot to write; called at write time, not at change time. */
    private readonly take: () => T,
    private readonly delayMs = DEFAULT_DELAY_MS,
  ) {}

  /** The saved snapshot, or null when there is none yet. A file that cannot be read fails loudly. */
  load(): T | null {
    if (!existsSync(this.path)) return null;
    const text = readFileSync(this.path, 'utf8');
    try {
      const value = decodeSnapshot<T>(text);
      this.lastWritten = text;
      return value;
    } catch (err) {
      throw new Error(`emulator state file ${this.path} is not valid JSON (${(err as Error).message}); move it away to start afresh`);
    }
  }

  /** Something changed: write soon, once for a burst of changes. */
  changed(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.write();
    }, this.delayMs);
    this.timer.unref();
  }

  /** Writes now (close). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.write();
  }

  private write(): void {
    const text = encodeSnapshot(this.take());
    if (text === this.lastWritten) return;
    mkdirSync(dirname(this.path), { recursive: true });
    // Write then rename: a crash mid-write never leaves a torn file behind
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, this.path);
    this.lastWritten = text;
  }
}
