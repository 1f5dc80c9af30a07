import { DataSource } from 'typeorm';
import { AccessService } from '../app/auth/access.service';
import { Viewer } from '../app/auth/viewer';
import { DomainError } from '../app/errors/domain.error';
import { badInput } from '../app/errors/errors';
import { isUuid } from '../app/validation/ids';
import { CalendarAccess } from '../connections/calendar-access.enum';
import { Connection } from '../connections/connection.entity';
import { ConnectionStatus } from '../connections/connection.enums';
import { ConflictNotifier } from '../sync/conflict-notifier';
import { applySelection, SelectionChange } from '../sync/selection';
import { needsReauthError } from '../connections/connection-tokens.service';
import { SyncScheduler } from '../sync/sync-scheduler';
import { Location } from '../tenancy/location.entity';
import { ensureMembershipRow } from '../tenancy/location-membership';
import { CalendarConfiguration, UpdateCalendarConfigurationInput } from './calendar-configuration.types';
import { SyncDirection } from './sync-direction.enum';

interface OwnCalendar {
  id: string;
  can_write: boolean;
  access: CalendarAccess;
  connection_id: string;
  status: ConnectionStatus;
}

export class CalendarConfigurationService {
  constructor(
    private readonly ds: DataSource,
    private readonly access: AccessService,
    private readonly sync: SyncScheduler,
    private readonly conflicts: ConflictNotifier,
  ) {}

  async get(viewer: Viewer, locationId: string, userId?: string | null): Promise<CalendarConfiguration> {
    const { targetId } = await this.authorize(viewer, locationId, userId);
    return this.load(locationId, targetId);
  }

  async update(viewer: Viewer, input: UpdateCalendarConfigurationInput): Promise<CalendarConfiguration> {
    // Shape first (order of checks), then who, then what the ids refer to.
    const badId = [...input.conflictCalendarIds, ...(input.linkedCalendarId ? [input.linkedCalendarId] : [])].find((id) => !isUuid(id));
    if (badId) throw badInput(badId === input.linkedCalendarId ? 'linkedCalendarId' : 'conflictCalendarIds', `no calendar ${badId} of this user in this location`);
    const { loc, targetId } = await this.authorize(viewer, input.locationId, input.userId);
    const locationId = loc.id;

    const own: OwnCalendar[] = await this.ds.query(
      `SELECT pc.id, pc.can_write, pc.access, pc.connection_id, c.status FROM provider_calendars pc JOIN connections c ON c.id = pc.connection_id
        WHERE c.location_id = $1 AND c.user_id = $2`,
      [locationId, targetId],
    );
    const byId = new Map(own.map((c) => [c.id, c]));
    const current = await this.load(locationId, targetId);
    const previouslySelected = new Set([...current.conflictCalendarIds, ...(current.linkedCalendarId ? [current.linkedCalendarId] : [])]);

    let linked = current.linkedCalendarId;
    if (input.linkedCalendarId !== undefined) {
      if (input.linkedCalendarId === null) linked = null;
      else {
        const cal = byId.get(input.linkedCalendarId);
        if (!cal) throw badInput('linkedCalendarId', `no calendar ${input.linkedCalendarId} of this user in this location`);
        // Not writable (read-only, or free/busy only): it can still block time as a conflict calendar.
        if (!cal.can_write) {
          const what = cal.access === CalendarAccess.FREE_BUSY ? 'this calendar shares only free/busy times with you' : 'this calendar is read-only';
          throw new DomainError('CALENDAR_NOT_WRITABLE', `The linked calendar must be one you can write to; ${what}. Choose it as a conflict calendar instead.`);
        }
        linked = cal.id;
      }
    }
    for (const id of input.conflictCalendarIds) if (!byId.has(id)) throw badInput('conflictCalendarIds', `no calendar ${id} of this user in this location`);
    const conflicts = [...new Set([...input.conflictCalendarIds, ...(linked ? [linked] : [])])];
    // Newly selecting a calendar of a connection that needs reauthorization cannot work until it is reconnected.
    for (const id of conflicts) {
      const cal = byId.get(id)!;
      if (!previouslySelected.has(id) && cal.status === ConnectionStatus.NEEDS_REAUTH) {
        const conn = await this.ds.getRepository(Connection).findOneByOrFail({ id: cal.connection_id });
        throw needsReauthError(conn);
      }
    }

    const touched = [...new Set([...own.filter((c) => previouslySelected.has(c.id) || conflicts.includes(c.id)).map((c) => c.connection_id)])];
    const selection = await this.ds.transaction(async (tx) => {
      await ensureMembershipRow(tx, loc, targetId);
      await tx.query(
        `INSERT INTO calendar_configurations (location_id, user_id, linked_calendar_id, hide_event_details, sync_direction)
         VALUES ($1, $2, $3, COALESCE($4, false), COALESCE($5, 'TWO_WAY'))
         ON CONFLICT (location_id, user_id) DO UPDATE SET linked_calendar_id = $3,
           hide_event_details = COALESCE($4, calendar_configurations.hide_event_details),
           sync_direction = COALESCE($5, calendar_configurations.sync_direction), updated_at = now()`,
        [locationId, targetId, linked, input.hideEventDetails ?? null, input.syncDirection ?? null],
      );
      await tx.query(`DELETE FROM conflict_calendars WHERE location_id = $1 AND user_id = $2 AND NOT (provider_calendar_id = ANY($3))`, [locationId, targetId, conflicts]);
      if (conflicts.length) {
        await tx.query(
          `INSERT INTO conflict_calendars (location_id, user_id, provider_calendar_id) SELECT $1, $2, unnest($3::uuid[]) ON CONFLICT DO NOTHING`,
          [locationId, targetId, conflicts],
        );
      }
      // Deselected calendars stop syncing and their events go, in this transaction; newly selected ones get a sync state.
      const changes: SelectionChange = { added: [], freed: [] };
      for (const connectionId of touched) {
        const c = await applySelection(tx, connectionId);
        changes.added.push(...c.added);
        changes.freed.push(...c.freed);
      }
      return changes;
    });

    // Newly selected calendars sync at once, and push follows the selection: the jobs' work.
    await this.sync.syncCalendars(selection.added, { full: true });
    for (const connectionId of touched) await this.sync.reconcilePush(connectionId);
    // The time of deselected calendars' events is free now (newly selected ones announce theirs when synced).
    await this.conflicts.changed({ agencyId: loc.agencyId, locationId, userId: targetId }, selection.freed);
    return this.load(locationId, targetId);
  }

  /** Users configure themselves; admins the members of locations they manage. */
  private async authorize(viewer: Viewer, locationId: string, userId?: string | null): Promise<{ loc: Location; targetId: string }> {
    const loc = await this.access.requireLocation(viewer, locationId, 'read');
    const targetId = await this.access.requireTargetUser(viewer, loc, userId, { forbidden: "Only admins of this location may configure other users' calendars", member: true });
    return { loc, targetId };
  }

  private async load(locationId: string, userId: string): Promise<CalendarConfiguration> {
    const [cfg] = await this.ds.query(`SELECT linked_calendar_id, hide_event_details, sync_direction FROM calendar_configurations WHERE location_id = $1 AND user_id = $2`, [
      locationId, userId,
    ]);
    const conflicts: Array<{ provider_calendar_id: string }> = await this.ds.query(
      `SELECT cc.provider_calendar_id FROM conflict_calendars cc JOIN provider_calendars pc ON pc.id = cc.provider_calendar_id
        WHERE cc.location_id = $1 AND cc.user_id = $2 ORDER BY pc.name`,
      [locationId, userId],
    );
    return Object.assign(new CalendarConfiguration(), {
      userId,
      locationId,
      linkedCalendarId: cfg?.linked_calendar_id ?? null,
      conflictCalendarIds: conflicts.map((c) => c.provider_calendar_id),
      hideEventDetails: cfg?.hide_event_details ?? false,
      syncDirection: (cfg?.sync_direction as SyncDirection) ?? SyncDirection.TWO_WAY,
    });
  }
}
