import type { ChangePage, NormalizedEvent } from '../calendar-provider';

// One provider page as a ChangePage. Items count in the order the provider listed them: an id that
// comes again (Graph's delta may repeat one, a removal may follow an update) keeps its last state
// only, so a page never names one id both as an upsert and as a removal.
export class ChangePageBuilder {
  private readonly upserts = new Map<string, NormalizedEvent>();
  private readonly removed = new Set<string>();

  upsert(event: NormalizedEvent): void {
    this.removed.delete(event.externalId);
    this.upserts.set(event.externalId, event);
  }

  remove(id: string): void {
    this.upserts.delete(id);
    this.removed.add(id);
  }

  build(nextCursor: string | null): ChangePage {
    return { upserts: [...this.upserts.values()], removedIds: [...this.removed], nextCursor };
  }
}
