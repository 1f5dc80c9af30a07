import { EntityManager } from 'typeorm';
import { rows as sqlRows } from '../app/database/sql';
import { ProviderCalendarInfo } from '../providers/calendar-provider';

/** What refreshing a connection's calendar list changed in its owner's selection. */
export interface CalendarListChanges {
  /** Names of linked calendars that lost write access and were unlinked. */
  unlinked: string[];
  /** Names of selected (linked or conflict) calendars that are gone at the provider. */
  removedSelected: string[];
  /** Names of calendars listed for the first time. */
  added: string[];
}

/** The text a sync-status event carries (as the connection's lastError) to say why the selection changed; null when nothing did. */
export function calendarListNotice(accountEmail: string, changes: CalendarListChanges): string | null {
  const parts: string[] = [];
  for (const name of changes.unlinked) {
    parts.push(
      `The linked calendar "${name}" of ${accountEmail} can no longer be written to, so it was unlinked: new appointments are not written to a provider calendar until you choose another linked calendar.`,
    );
  }
  for (const name of changes.removedSelected) parts.push(`The calendar "${name}" is no longer available in ${accountEmail} and was removed from your calendar selection.`);
  return parts.length ? parts.join(' ') : null;
}

/**
 * The SQL of a connection's calendar list: the provider's list upserted, calendars gone at the provider
 * deleted (they leave every selection by cascade; their push channels stay, calendar-less, until the push
 * job stops them at the provider), and a linked calendar that lost write access unlinked.
 */
export class CalendarListRepository {
  constructor(private readonly tx: EntityManager) {}

  async apply(connectionId: string, calendars: ProviderCalendarInfo[]): Promise<CalendarListChanges> {
    const externalIds = calendars.map((c) => c.externalId);
    const gone = await sqlRows<{ name: string }>(
      this.tx,
      `SELECT pc.name FROM provider_calendars pc
        WHERE pc.connection_id = $1 AND NOT (pc.external_id = ANY($2))
          AND (EXISTS (SELECT 1 FROM conflict_calendars cc WHERE cc.provider_calendar_id = pc.id)
               OR EXISTS (SELECT 1 FROM calendar_configurations cfg WHERE cfg.linked_calendar_id = pc.id))
        ORDER BY pc.name`,
      [connectionId, externalIds],
    );
    let upserted: Array<{ name: string; inserted: boolean }> = [];
    if (calendars.length) {
      upserted = await sqlRows<{ name: string; inserted: boolean }>(
        this.tx,
        // can_write is derived from access (a check keeps the two in agreement).
        `INSERT INTO provider_calendars (connection_id, external_id, name, access, can_write, is_default, time_zone)
         SELECT $1, x.external_id, x.name, x.access, x.access = 'WRITE', x.is_default, x.time_zone
           FROM unnest($2::text[], $3::text[], $4::text[], $5::boolean[], $6::text[]) AS x(external_id, name, access, is_default, time_zone)
         ON CONFLICT (connection_id, external_id) DO UPDATE SET name = EXCLUDED.name, access = EXCLUDED.access, can_write = EXCLUDED.can_write,
           is_default = EXCLUDED.is_default, time_zone = EXCLUDED.time_zone
         RETURNING name, (xmax = 0) AS inserted`, // xmax = 0: inserted, not updated
        [connectionId, externalIds, calendars.map((c) => c.name), calendars.map((c) => c.access), calendars.map((c) => c.isDefault), calendars.map((c) => c.timeZone)],
      );
    }
    await this.tx.query(`DELETE FROM provider_calendars WHERE connection_id = $1 AND NOT (external_id = ANY($2))`, [connectionId, externalIds]);
    // A linked calendar that lost write access is unlinked (it stays a conflict calendar: it still blocks time).
    const unlinked = await sqlRows<{ name: string }>(
      this.tx,
      `UPDATE calendar_configurations cfg SET linked_calendar_id = NULL, updated_at = now()
         FROM provider_calendars pc WHERE cfg.linked_calendar_id = pc.id AND pc.connection_id = $1 AND NOT pc.can_write
       RETURNING pc.name`,
      [connectionId],
    );
    return { unlinked: unlinked.map((u) => u.name), removedSelected: gone.map((g) => g.name), added: upserted.filter((u) => u.inserted).map((u) => u.name) };
  }
}
