import { EntityManager } from 'typeorm';
import { EventChange } from './change-range';
import { ExternalEventRepository } from './external-event.repository';
import { SyncStateRepository } from './sync-state.repository';

/** What a change of a connection's selected calendars did to its sync. */
export interface SelectionChange {
  /** Calendars newly selected: they are synced fully at once. */
  added: string[];
  /** Events of calendars no longer selected, deleted (their blocking time is freed). */
  freed: EventChange[];
}

/**
 * Inside the transaction that changed a connection's selection (configuration, connect, calendar list):
 * newly selected calendars get a sync state, deselected ones lose it (their syncs stop) and their events.
 */
export async function applySelection(tx: EntityManager, connectionId: string): Promise<SelectionChange> {
  const { added } = await new SyncStateRepository(tx).reconcileSelection(connectionId);
  const freed = await new ExternalEventRepository(tx).removeUnselected(connectionId);
  return { added, freed };
}
