// The waits of `delay` faults, owned by the emulator that runs them: close() cancels those still running, so that a
// delayed request dies with its server instead of a timer (up to the fault's length) keeping the process alive.

export class DelayTimers {
  private readonly pending = new Set<NodeJS.Timeout>();

  /** Resolves after `ms`; never resolves once cancelled (the request's connection is already closed then). */
  wait(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(timer);
        resolve();
      }, ms);
      this.pending.add(timer);
    });
  }

  cancelAll(): void {
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
  }
}
