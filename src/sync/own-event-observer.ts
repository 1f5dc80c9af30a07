import type { NormalizedEvent } from '../providers/calendar-provider';

/** A committed batch of a calendar's sync, as far as the service's own events go. */
export interface OwnEventBatch {
  calendarId: string;
  /** When the sync began reading (database time): what a write recorded later may not show yet. */
  readStartedAt: Date;
  /** Events carrying an idempotency key (written by some client: ours are those matching an appointment write). */
  upserts: NormalizedEvent[];
  /** Events gone at the provider. */
  removedIds: string[];
}

/**
 * Told by the sync about the service's own events (two-way sync of appointments). Called after each batch is
 * committed, outside its transaction; a failure is logged and does not fail the sync.
 */
export interface OwnEventObserver {
  changed(batch: OwnEventBatch): Promise<void>;
  /** A full sync read the whole window: own events in it that it did not see are gone at the provider. */
  fullSyncEnded(calendarId: string, readStartedAt: Date, seenIds: ReadonlySet<string>, window: { from: Date; to: Date }): Promise<void>;
}
