import { EventEmitter } from 'node:events';

// Every attempt the emulator saw, including failed and dropped ones.

export interface RequestLogEntry {
  /** Arrival, epoch milliseconds with sub-millisecond precision. */
  time: number;
  method: string;
  path: string;
  query: string;
  /** null when the connection was dropped without an answer. */
  status: number | null;
  /** Email of the account the request acted for, when known. */
  account: string | null;
  fault: string | null;
  durationMs: number;
}

const now = () => performance.timeOrigin + performance.now();

export class RequestLog extends EventEmitter<{ entry: [RequestLogEntry] }> {
  private readonly list: RequestLogEntry[] = [];

  get entries(): readonly RequestLogEntry[] {
    return this.list;
  }

  static now(): number {
    return now();
  }

  record(entry: RequestLogEntry): void {
    this.list.push(entry);
    this.emit('entry', entry);
  }

  clear(): void {
    this.list.length = 0;
  }

  /** Entries whose path contains `text` (and method, if given). */
  find(text: string, method?: string): RequestLogEntry[] {
    return this.list.filter((e) => e.path.includes(text) && (!method || e.method === method));
  }
}
