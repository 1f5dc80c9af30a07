import type { ProviderKind } from '../../providers/calendar-provider';
import { MailboxBusyError } from './mailbox-busy.error';
import type { SlotLease, SlotStore } from './slot-store';

// At most `limit` provider requests in flight per mailbox, across every instance (Graph allows 4
// concurrent requests per app per mailbox). The slots live in a SlotStore (Redis or PostgreSQL); this
// class does the bounded waiting. In one process the waiters of a mailbox queue in order; once the store
// has answered "none free", only the first asks again, backing off between asks, and a release in this
// process wakes the queue at once. No waiter asks while this process itself holds every slot.

/** The provider account, not the connection: one mailbox may be connected in two locations. */
export function mailboxKey(provider: ProviderKind, accountExternalId: string): string {
  return `${provider}:${accountExternalId}`;
}

export interface MailboxPermit {
  readonly mailbox: string;
  /** Frees the slot; idempotent. */
  release(): Promise<void>;
}

export interface AcquireOptions {
  /** How long to wait for a slot before MailboxBusyError; 0 = only if one is free now. */
  waitMs?: number;
}

export interface MailboxSemaphoreOptions {
  /** Requests in flight per mailbox. */
  limit: number;
  /** Default bounded wait of acquire(). */
  waitMs: number;
  /** Backoff between asks of the store while another instance holds the slots. */
  pollMinMs: number;
  pollMaxMs: number;
  random: () => number;
}

export const defaultMailboxSemaphoreOptions: MailboxSemaphoreOptions = { limit: 4, waitMs: 10_000, pollMinMs: 20, pollMaxMs: 500, random: Math.random };

interface Waiter {
  /** Set by a wake that came while the waiter was not asleep (asking the store): it asks again at once. */
  woken: boolean;
  wake: () => void;
}

interface MailboxState {
  /** Slots held by this instance. */
  held: number;
  /** In arrival order; the first `limit - held` may ask the store at once. */
  queue: Waiter[];
  /** The store's last answer was "none free": only the first waiter asks again (backing off), until a slot comes free. */
  full: boolean;
}

export class MailboxSemaphore {
  private readonly options: MailboxSemaphoreOptions;
  private readonly mailboxes = new Map<string, MailboxState>();
  private closed = false;

  constructor(
    private readonly store: SlotStore,
    options: Partial<MailboxSemaphoreOptions> = {},
  ) {
    this.options = { ...defaultMailboxSemaphoreOptions, ...options };
  }

  get limit(): number {
    return this.options.limit;
  }

  /** Waits (bounded) for a slot of the mailbox. Throws MailboxBusyError when none came free in time. */
  async acquire(mailbox: string, opts: AcquireOptions = {}): Promise<MailboxPermit> {
    const waitMs = opts.waitMs ?? this.options.waitMs;
    const started = Date.now();
    const state = this.stateOf(mailbox);
    const me: Waiter = { woken: false, wake: () => void (me.woken = true) };
    state.queue.push(me);
    try {
      const deadline = started + waitMs;
      for (let asks = 0, first = true; ; first = false) {
        if (this.closed) throw new Error('The mailbox semaphore is closed');
        // Woken after the deadline: give up without asking the store again
        if (!first && Date.now() >= deadline) throw new MailboxBusyError(mailbox, Date.now() - started);
        let pause: number;
        const position = state.queue.indexOf(me);
        if (position < this.options.limit - state.held && (position === 0 || !state.full)) {
          const lease = await this.store.tryTake(mailbox, this.options.limit);
          if (lease && this.closed) await lease.release();
          else if (lease) return this.grant(mailbox, state, lease);
          state.full = true;
          asks++;
          pause = state.queue[0] === me ? this.backoff(asks) : Infinity;
        } else {
          pause = Infinity; // a local release, a grant or a waiter ahead leaving wakes us
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new MailboxBusyError(mailbox, Date.now() - started);
        if (me.woken) {
          me.woken = false;
          continue;
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(pause, left));
          me.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        me.wake = () => void (me.woken = true);
      }
    } finally {
      const i = state.queue.indexOf(me);
      if (i >= 0) state.queue.splice(i, 1);
      // Those now in line ask (there may be more free slots, or we gave up our turn)
      this.wakeEligible(state);
      this.forgetIfIdle(mailbox, state);
    }
  }

  /** Runs `fn` holding a slot of the mailbox. */
  async run<T>(mailbox: string, fn: () => Promise<T>, opts?: AcquireOptions): Promise<T> {
    const permit = await this.acquire(mailbox, opts);
    try {
      return await fn();
    } finally {
      await permit.release();
    }
  }

  /** Slots of the mailbox held by this instance. */
  heldBy(mailbox: string): number {
    return this.mailboxes.get(mailbox)?.held ?? 0;
  }

  /** Rejects the waiters, frees every held slot and closes the store. */
  async close(): Promise<void> {
    this.closed = true;
    for (const state of this.mailboxes.values()) for (const w of state.queue) w.wake();
    await this.store.close();
  }

  private grant(mailbox: string, state: MailboxState, lease: SlotLease): MailboxPermit {
    state.held++;
    state.full = false;
    let released = false;
    return {
      mailbox,
      release: async () => {
        if (released) return;
        released = true;
        try {
          await lease.release();
        } finally {
          state.held--;
          state.full = false;
          this.wakeEligible(state);
          this.forgetIfIdle(mailbox, state);
        }
      },
    };
  }

  private stateOf(mailbox: string): MailboxState {
    let state = this.mailboxes.get(mailbox);
    if (!state) this.mailboxes.set(mailbox, (state = { held: 0, queue: [], full: false }));
    return state;
  }

  private wakeEligible(state: MailboxState): void {
    const n = state.full ? 1 : this.options.limit - state.held;
    for (const w of state.queue.slice(0, Math.max(0, n))) w.wake();
  }

  private forgetIfIdle(mailbox: string, state: MailboxState): void {
    if (state.held === 0 && state.queue.length === 0 && this.mailboxes.get(mailbox) === state) this.mailboxes.delete(mailbox);
  }

  /** Exponential, capped, jittered: another instance's slots come free at unknown times. */
  private backoff(asks: number): number {
    const { pollMinMs, pollMaxMs, random } = this.options;
    const cap = Math.min(pollMaxMs, pollMinMs * 2 ** Math.min(asks - 1, 20));
    return Math.round(cap / 2 + (random() * cap) / 2);
  }
}
