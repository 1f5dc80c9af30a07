import { DataSource } from 'typeorm';
import { DomainError } from '../app/errors/domain.error';
import { logger } from '../app/logging/logger';
import { Connection } from '../connections/connection.entity';
import { ConnectionStatus, PauseReason } from '../connections/connection.enums';
import { ConnectionEvents } from '../connections/connection-events';
import { ConnectionTokens } from '../connections/connection-tokens.service';
import { ProviderCalendarInfo } from '../providers/calendar-provider';
import { ProviderRegistry } from '../providers/provider-registry';
import { calendarListNotice, CalendarListRepository } from './calendar-list.repository';
import { ConflictNotifier } from './conflict-notifier';
import { ExternalEventRepository } from './external-event.repository';
import { ProviderCalls } from './provider-calls';
import { SyncScheduler } from './sync-scheduler';
import { SyncStateRepository } from './sync-state.repository';

export interface CalendarListDeps {
  ds: DataSource;
  providers: ProviderRegistry;
  tokens: ConnectionTokens;
  calls: ProviderCalls;
  events: ConnectionEvents;
  conflicts: ConflictNotifier;
  scheduler: SyncScheduler;
}

/**
 * The calendar-list job (after every full sync, on resyncConnection, and at least daily): the provider's list
 * replaces ours. New calendars appear (a sync-status event carries them); calendars gone at the provider leave the
 * selections with their events; a linked calendar that lost write access is unlinked. A sync-status event says why
 * (the connection's lastError), conflictsChanged covers the time it freed, and push follows the new selection.
 */
export class CalendarListService {
  constructor(private readonly d: CalendarListDeps) {}

  async refresh(connectionId: string): Promise<void> {
    const conn = await this.d.ds.getRepository(Connection).findOneBy({ id: connectionId });
    if (!conn || conn.status !== ConnectionStatus.ACTIVE || conn.pauseReason !== PauseReason.NONE) return;
    const driver = this.d.providers.get(conn.provider);
    let calendars: ProviderCalendarInfo[];
    try {
      calendars = await this.d.calls.run({ connection: conn, operation: 'listCalendars' }, () => this.d.tokens.use(conn, (t) => driver.listCalendars(t)));
    } catch (err) {
      // The refresh token was refused: the connection is NEEDS_REAUTH now (its event was sent).
      if (err instanceof DomainError && err.code === 'CONNECTION_NEEDS_REAUTH') return;
      throw err;
    }
    const { changes, freed } = await this.d.ds.transaction(async (tx) => {
      // Calendars that are gone: locked first (after a sync write of theirs in progress), their events go, then they do.
      const listed = calendars.map((c) => c.externalId);
      await new SyncStateRepository(tx).lockCalendarsOfConnection(conn.id, listed);
      const freed = await new ExternalEventRepository(tx).removeOfCalendarsNotListed(conn.id, listed);
      const changes = await new CalendarListRepository(tx).apply(conn.id, calendars);
      await tx.query(`UPDATE connections SET calendars_listed_at = now() WHERE id = $1`, [conn.id]);
      return { changes, freed };
    });
    await this.d.conflicts.changed(conn, freed);
    // Push follows the list: channels of calendars that are gone are stopped, and calendars whose push was refused
    // (or failed) are offered it again, at least daily.
    await this.d.scheduler.reconcilePush(conn.id);
    const notice = calendarListNotice(conn.accountEmail, changes);
    // A new calendar changes no selection, but subscribers hear of it (the connection's calendars).
    if (!notice && !changes.added.length) return;
    if (notice) {
      await this.d.ds.query(`UPDATE connections SET last_error = $2, updated_at = now() WHERE id = $1`, [conn.id, notice]);
      logger.info({ connectionId: conn.id, unlinked: changes.unlinked.length, removed: changes.removedSelected.length }, 'calendar list changed the selection');
    }
    const fresh = await this.d.ds.getRepository(Connection).findOneBy({ id: conn.id });
    if (fresh) this.d.events.statusChanged(fresh);
  }
}
