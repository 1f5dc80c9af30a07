import { logger } from '../logging/logger';

export const TERMINATION_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

/** Thrown into a start in progress when a stop was requested: the start ends there, the stop goes on. */
export class StopRequested extends Error {
  constructor() {
    super('stop requested during start');
  }
}

interface Opened {
  name: string;
  close: () => Promise<void> | void;
}

/**
 * Everything the process opened (database, emulators, server...), closed newest first — on a
 * termination signal, when the launching shell goes away, or when the start fails half-way.
 */
export class Lifecycle {
  private readonly opened: Opened[] = [];
  private stopRequested = false;
  private closing: Promise<boolean> | null = null;

  get stopping(): boolean {
    return this.stopRequested;
  }

  /**
   * Registers something to close at the end. After a stop request this throws (once registered), so
   * the start in progress ends here: register what one step opened in one call.
   */
  add(name: string, close: Opened['close']): void {
    this.opened.push({ name, close });
    if (this.stopRequested) throw new StopRequested();
  }

  /** Closes everything once, newest first; false when something could not be closed. */
  closeAll(): Promise<boolean> {
    this.closing ??= (async () => {
      let ok = true;
      for (let next = this.opened.pop(); next; next = this.opened.pop()) {
        try {
          await next.close();
          logger.debug({ resource: next.name }, 'closed');
        } catch (err) {
          ok = false;
          logger.error({ err, resource: next.name }, 'could not close');
        }
      }
      return ok;
    })();
    return this.closing;
  }

  /**
   * Stops the process on SIGTERM, SIGINT or SIGHUP: waits for a start in progress to end, closes
   * everything and exits 0 (1 when something failed to close or the deadline passed).
   * `watchParent`: also stop when the parent process goes away. npm runs the start script through
   * `sh -c`, forwards SIGTERM and SIGINT to that shell only, and the shell dies without passing them
   * on, so the service would be left running; the parent changing is how it learns.
   */
  exitOnTermination(starting: Promise<unknown>, opts: { deadlineMs: number; watchParent: boolean }): void {
    const stop = (reason: string) => {
      if (this.stopRequested) {
        logger.info({ reason }, 'already shutting down');
        return;
      }
      this.stopRequested = true;
      logger.info({ reason }, 'shutting down');
      const deadline = setTimeout(() => {
        logger.error({ deadlineMs: opts.deadlineMs, open: this.opened.map((o) => o.name) }, 'shutdown took too long; exiting');
        process.exit(1);
      }, opts.deadlineMs);
      deadline.unref();
      void starting
        .catch(() => undefined)
        .then(() => this.closeAll())
        .then((ok) => {
          logger.info({ reason, ok }, 'stopped');
          process.exit(ok ? 0 : 1);
        });
    };
    for (const signal of TERMINATION_SIGNALS) process.on(signal, () => stop(signal));
    if (opts.watchParent) {
      const parent = process.ppid;
      const timer = setInterval(() => {
        if (process.ppid === parent) return;
        clearInterval(timer);
        stop(`parent process ${parent} exited`);
      }, 250);
      timer.unref();
    }
  }
}
