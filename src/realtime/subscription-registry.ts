/**
 * Open subscriptions by key (a topic and a location): what one bus listener per key fans out to. `add` says when a key
 * gets its first subscription (attach the key's listener), `remove` when it lost its last (detach it).
 */
export class SubscriptionRegistry<E> {
  private readonly byKey = new Map<string, Set<E>>();

  /** True when `entry` is the key's first. */
  add(key: string, entry: E): boolean {
    const entries = this.byKey.get(key);
    if (entries) {
      entries.add(entry);
      return false;
    }
    this.byKey.set(key, new Set([entry]));
    return true;
  }

  /** True when the key had `entry` and has nothing left. */
  remove(key: string, entry: E): boolean {
    const entries = this.byKey.get(key);
    if (!entries?.delete(entry)) return false;
    if (entries.size > 0) return false;
    this.byKey.delete(key);
    return true;
  }

  /** The key's subscriptions now, as a list that later adds and removes do not change. */
  snapshot(key: string): E[] {
    const entries = this.byKey.get(key);
    return entries ? [...entries] : [];
  }

  /** Keys with at least one subscription. */
  get keys(): number {
    return this.byKey.size;
  }

  count(key: string): number {
    return this.byKey.get(key)?.size ?? 0;
  }
}
