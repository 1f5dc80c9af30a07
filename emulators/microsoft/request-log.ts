// Every attempt the emulator saw, including dropped ones, for tests to assert on.
import { EventEmitter } from 'node:events';

export interface LoggedRequest {
  /** Arrival time, epoch milliseconds (fractional, from performance.timeOrigin). */
  time: number;
  method: string;
  path: string;
  query: string;
  /** 0 when the connection was dropped instead of answered. */
  status: number;
  /** Sign-in name of the account the request acted for, when known. */
  account: string | null;
  fault: string | null;
  durationMs: number;
}

export class RequestLog {
  private readonly entries: LoggedRequest[] = [];
  private readonly emitter = new EventEmitter();

  record(entry: LoggedRequest): void {
    this.entries.push(entry);
    this.emitter.emit('request', entry);
  }

  list(filter: { method?: string; path?: string | RegExp; account?: string } = {}): LoggedRequest[] {
    return this.entries.filter(
      (e) =>
        (!filter.method || e.method === filter.method) &&
        (!filter.account || e.account === filter.account.toLowerCase()) &&
        (!filter.path || (typeof filter.path === 'string' ? e.path === filter.path : filter.path.test(e.path))),
    );
  }

  clear(): void {
    this.entries.length = 0;
  }

  /** Resolves with the first logged request (past or future) matching `predicate`. */
  waitFor(predicate: (e: LoggedRequest) => boolean, timeoutMs = 10_000): Promise<LoggedRequest> {
    const seen = this.entries.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.emitter.off('request', listener);
        reject(new Error('no matching request was logged in time'));
      }, timeoutMs);
      const listener = (e: LoggedRequest) => {
        if (!predicate(e)) return;
        clearTimeout(timer);
        this.emitter.off('request', listener);
        resolve(e);
      };
      this.emitter.on('request', listener);
    });
  }
}
