import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { logger } from '../../app/logging/logger';
import { RequestSlotRepository, type HeldSlot } from './request-slot.repository';
import { DEFAULT_LEASE_MS, type SlotLease, type SlotStore, type SlotStoreOptions } from './slot-store';

// Slots in PostgreSQL: one short statement to take, one to release, and one per renewal period for
// all the slots this instance holds together.

const MAX_SEEDED_CACHE = 100_000;

export class PgSlotStore implements SlotStore {
  private readonly repo: RequestSlotRepository;
  private readonly leaseMs: number;
  private readonly renewEveryMs: number;
  private readonly held = new Map<string, HeldSlot>();
  private readonly seeded = new Set<string>();
  private timer: NodeJS.Timeout | null = null;

  constructor(ds: DataSource, options: Partial<SlotStoreOptions> = {}) {
    this.repo = new RequestSlotRepository(ds);
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.renewEveryMs = options.renewEveryMs ?? Math.max(50, Math.floor(this.leaseMs / 3));
  }

  async tryTake(mailbox: string, limit: number): Promise<SlotLease | null> {
    if (!this.seeded.has(mailbox)) {
      await this.repo.seed(mailbox, limit);
      if (this.seeded.size >= MAX_SEEDED_CACHE) this.seeded.clear();
      this.seeded.add(mailbox);
    }
    const holder = randomUUID();
    const slot = await this.repo.take(mailbox, limit, holder, this.leaseMs);
    if (slot === null) return null;
    const held: HeldSlot = { mailbox, slot, holder };
    this.held.set(holder, held);
    this.timer ??= setInterval(() => void this.renew(), this.renewEveryMs).unref();
    return { release: () => this.release(held) };
  }

  async close(): Promise<void> {
    this.stopTimer();
    const all = [...this.held.values()];
    this.held.clear();
    await this.repo.release(all);
  }

  private async release(held: HeldSlot): Promise<void> {
    if (!this.held.delete(held.holder)) return;
    if (!this.held.size) this.stopTimer();
    await this.repo.release([held]);
  }

  private async renew(): Promise<void> {
    const all = [...this.held.values()];
    try {
      const still = await this.repo.renew(all, this.leaseMs);
      for (const h of all) {
        // Lost: this process stalled past its lease and another holder took the slot.
        if (!still.has(h.holder) && this.held.delete(h.holder)) logger.warn({ mailbox: h.mailbox, slot: h.slot }, 'request slot lease lost before release');
      }
    } catch (err) {
      logger.warn({ err }, 'request slot lease renewal failed');
    }
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
