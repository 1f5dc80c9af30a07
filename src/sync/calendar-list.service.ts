import { DataSource } from 'typeorm';
import { DomainError } from '../app/errors/domain.error';
import { logger } from '../app/logging/logger';
import { Connection } from '../connections/connection.entity';
import { ConnectionStatus } from '../connections/connection.enums';
import { ConnectionEvents } from '../connections/connection-events';
import { ConnectionTokens } from '../connections/connection-tokens.service';
import { isFeatureAvailable } from '../connections/feature-availability';
import { ProviderRegistry } from '../providers/provider-registry';
import { calendarListNotice, CalendarListRepository } from './calendar-list.repository';
import { SyncScheduler } from './sync-scheduler';

export interface CalendarListDeps {
  ds: DataSource;
  providers: ProviderRegistry;
  tokens: ConnectionTokens;
  events: ConnectionEvents;
  scheduler: SyncScheduler;
  syncWindow: () => { from: Date; to: Date };
}

/**
 * The calendar-list job: the provider's list replaces ours. New calendars appear; calendars gone at the
 * provider leave the selections; a linked calendar that lost write access is unlinked. A sync-status event
 * says why (the connection's lastError), and push follows the new selection.
 */
export class CalendarListService {
  constructor(private readonly d: CalendarListDeps) {}

  async refresh(connectionId: string): Promise<void> {
    const conn = await this.d.ds.getRepository(Connection).findOneBy({ id: connectionId });
    if (!conn || conn.status !== ConnectionStatus.ACTIVE || !(await isFeatureAvailable(this.d.ds, conn.id))) return;
    const driver = this.d.providers.get(conn.provider);
    let calendars;
    try {
      calendars = await this.d.tokens.use(conn, (t) => driver.listCalendars(t));
    } catch (err) {
      // The refresh token was refused: the connection is NEEDS_REAUTH now (its event was sent).
      if (err instanceof DomainError && err.code === 'CONNECTION_NEEDS_REAUTH') return;
      throw err;
    }
    const changes = await this.d.ds.transaction((tx) => new CalendarListRepository(tx).apply(conn.id, calendars));
    const notice = calendarListNotice(conn.accountEmail, changes);
    if (!notice) return;
    await this.d.ds.query(`UPDATE connections SET last_error = $2, updated_at = now() WHERE id = $1`, [conn.id, notice]);
    logger.info({ connectionId: conn.id, unlinked: changes.unlinked.length, removed: changes.removedSelected.length }, 'calendar list changed the selection');
    // Channels of calendars that are gone are stopped at the provider.
    await this.d.scheduler.reconcilePush(conn.id);
    const fresh = await this.d.ds.getRepository(Connection).findOneBy({ id: conn.id });
    if (fresh) this.d.events.statusChanged(fresh);
    if (changes.removedSelected.length) {
      const window = this.d.syncWindow();
      this.d.events.conflictsChanged(conn.locationId, conn.userId, window.from, window.to);
    }
  }
}
