/**
 * At most `limit` operations of the socket server being set up at once (context built, subscription authorized);
 * the others wait their turn in arrival order. Thousands of clients subscribing at once (a restart: every client
 * reconnects) would otherwise all wait on the database together, each holding its half-built state long enough to
 * reach the old generation of the heap, and the process would keep that memory long after the burst.
 */
export class SetupGate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {
    if (!(limit >= 1)) throw new Error('SetupGate needs a limit of at least 1');
  }

  /** Resolves when this setup may run, with the function that ends it (once; later calls do nothing). */
  async enter(): Promise<() => void> {
    if (this.active < this.limit) this.active++;
    // The slot is handed over by `leave` (active stays counted).
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.leave();
    };
  }

  /** Setups running, and waiting. */
  get load(): { active: number; waiting: number } {
    return { active: this.active, waiting: this.waiting.length };
  }

  private leave(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}
