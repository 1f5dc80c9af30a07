import { PubSub } from './pubsub';

export interface ConflictTarget {
  userId: string;
  locationId: string;
}

/** conflictsChanged for changes of booked time: each user, in each location where their blocking time shows, per range. */
export class ConflictEvents {
  constructor(private readonly pubsub: PubSub) {}

  changed(targets: readonly ConflictTarget[], ranges: ReadonlyArray<{ from: Date; to: Date }>): void {
    for (const { userId, locationId } of targets) {
      for (const r of ranges) this.pubsub.publish('conflicts', locationId, { locationId, userId, from: r.from.toISOString(), to: r.to.toISOString() });
    }
  }
}
