import { DataSource } from 'typeorm';
import { loadUserViewers } from '../app/auth/viewer.loader';
import { Viewer } from '../app/auth/viewer';

type Entry = { at: number; viewer: Promise<Viewer | null> };

/**
 * Users as subscriptions see them now: status, role and memberships re-read from PostgreSQL at most
 * every `ttlMs`, one entry per user shared by all of that user's subscriptions, so a burst of events
 * costs one query per user rather than one per event, and `getMany` reads all the users an event
 * needs that are not fresh in one query.
 */
export class ViewerCache {
  private readonly entries = new Map<string, Entry>();
  private lastPurge = 0;

  constructor(
    private readonly ds: DataSource,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The user as they are now (null: deactivated or gone). */
  get(userId: string): Promise<Viewer | null> {
    return this.getMany([userId]).then((m) => m.get(userId) ?? null);
  }

  /** Each user as they are now (null: deactivated or gone); those not fresh in the cache are read in one query. */
  async getMany(userIds: Iterable<string>): Promise<Map<string, Viewer | null>> {
    const now = this.now();
    this.purge(now);
    const pending = new Map<string, Promise<Viewer | null>>();
    const missing: string[] = [];
    for (const id of userIds) {
      const hit = this.entries.get(id);
      if (hit && now - hit.at < this.ttlMs) pending.set(id, hit.viewer);
      else missing.push(id);
    }
    if (missing.length) {
      const read = loadUserViewers(this.ds, missing);
      for (const id of missing) {
        const viewer = read.then((m) => m.get(id) ?? null);
        pending.set(id, viewer);
        if (this.ttlMs <= 0) continue;
        const entry = { at: now, viewer };
        this.entries.set(id, entry);
        // A failed read is not remembered: the next event tries again.
        viewer.catch(() => this.entries.get(id) === entry && this.entries.delete(id));
      }
    }
    // All awaited together: one failed read fails the call once, without unhandled rejections of the others.
    const viewers = await Promise.all(pending.values());
    const ids = [...pending.keys()];
    return new Map(ids.map((id, i) => [id, viewers[i]]));
  }

  // Users whose subscriptions ended leave no entry behind for long.
  private purge(now: number): void {
    if (now - this.lastPurge < this.ttlMs) return;
    this.lastPurge = now;
    for (const [id, e] of this.entries) if (now - e.at >= this.ttlMs) this.entries.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }
}
