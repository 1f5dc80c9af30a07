import { DataSource } from 'typeorm';
import { loadViewer } from '../app/auth/viewer.loader';
import { Viewer } from '../app/auth/viewer';

/**
 * Users as subscriptions see them now: status, role and memberships re-read from PostgreSQL at most
 * every `ttlMs`, one entry per user shared by all of that user's subscriptions, so a burst of events
 * costs one query per user rather than one per event.
 */
export class ViewerCache {
  private readonly entries = new Map<string, { at: number; viewer: Promise<Viewer | null> }>();
  private lastPurge = 0;

  constructor(
    private readonly ds: DataSource,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The user as they are now (null: deactivated or gone). */
  get(userId: string): Promise<Viewer | null> {
    const now = this.now();
    this.purge(now);
    const hit = this.entries.get(userId);
    if (hit && now - hit.at < this.ttlMs) return hit.viewer;
    const viewer = loadViewer(this.ds, { sub: userId });
    if (this.ttlMs <= 0) return viewer;
    const entry = { at: now, viewer };
    this.entries.set(userId, entry);
    // A failed read is not remembered: the next event tries again.
    viewer.catch(() => this.entries.get(userId) === entry && this.entries.delete(userId));
    return viewer;
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
