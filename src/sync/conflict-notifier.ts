import { DataSource } from 'typeorm';
import { ConflictEvents } from '../realtime/conflict-events';
import { changedRanges, EventChange } from './change-range';

/** conflictsChanged for the time a change of third-party events took or freed: the smallest ranges, nothing when no blocking time changed. */
export class ConflictNotifier {
  constructor(
    private readonly ds: DataSource,
    private readonly events: ConflictEvents,
  ) {}

  async changed(target: { agencyId: string; locationId: string; userId: string }, changes: readonly EventChange[]): Promise<void> {
    if (!changes.length) return;
    const [agency] = await this.ds.query(`SELECT count_tentative_as_busy FROM agencies WHERE id = $1`, [target.agencyId]);
    this.events.changed([target], changedRanges(changes, agency?.count_tentative_as_busy === true));
  }
}
