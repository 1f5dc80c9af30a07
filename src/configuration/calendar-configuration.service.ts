import { DataSource } from 'typeorm';
import { AccessService } from '../app/auth/access.service';
import { canManageLocation } from '../app/auth/access-policy';
import { Viewer } from '../app/auth/viewer';
import { DomainError } from '../app/errors/domain.error';
import { badInput, forbidden } from '../app/errors/errors';
import { isUuid } from '../app/validation/ids';
import { Connection } from '../connections/connection.entity';
import { ConnectionStatus } from '../connections/connection.enums';
import { ConflictNotifier } from '../sync/conflict-notifier';
import { applySelection, SelectionChange } from '../sync/selection';
import { needsReauthError } from '../connections/connection-tokens.service';
import { SyncScheduler } from '../sync/sync-scheduler';
import { CalendarConfiguration, UpdateCalendarConfigurationInput } from './calendar-configuration.types';
import { SyncDirection } from './sync-direction.enum';

interface OwnCalendar {
  id: string;
  can_write: boolean;
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
    const targetId = await this.authorize(viewer, locationId, userId);
    return this.load(locationId, targetId);
  }

  async update(viewer: Viewer, input: UpdateCalendarConfigurationInput): Promise<CalendarConfiguration> {
    // Shape first (order of checks), then who, then what the ids refer to.
    const badId = [...input.conflictCalendarIds, ...(input.linkedCalendarId ? [input.linkedCalendarId] : [])].find((id) => !isUuid(id));
    if (badId) throw badInput(badId === input.linkedCalendarId ? 'linkedCalendarId' : 'conflictCalendarIds', `no calendar ${badId} of this user in this location`);
    const targetId = await this.authorize(viewer, input.locationId, input.userId);
    const locationId = input.locationId;

    const own: OwnCalendar[] = await this.ds.query(
      `SELECT pc.id, pc.can_write, pc.connection_id, c.status FROM provider_calendars pc JOIN connections c ON c.id = pc.connection_id
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
        if (!cal.can_write) throw new DomainError('CALENDAR_NOT_WRITABLE', 'The linked calendar must be one you can write to; this calendar is read-only. Choose it as a conflict calendar instead.');
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
    const [agency] = await this.ds.query(`SELECT agency_id FROM locations WHERE id = $1`, [locationId]);
    await this.conflicts.changed({ agencyId: agency.agency_id, locationId, userId: targetId }, selection.freed);
    return this.load(locationId, targetId);
  }

  /** Users configure themselves; admins the members of locations they manage. Returns the target user id. */
  private async authorize(viewer: Viewer, locationId: string, userId?: string | null): Promise<string> {
    const loc = await this.access.requireLocation(viewer, locationId, 'read');
    const self = viewer.kind === 'user' ? viewer.user.id : null;
    const targetId = userId ?? self;
    if (!targetId) throw badInput('userId', 'the service token must name a user');
    if (targetId !== self) {
      const target = (await this.access.visibleUsers(viewer, [targetId])).get(targetId);
      if (!target) throw badInput('userId', `no user ${targetId} that you can see`);
      if (!canManageLocation(viewer, loc)) throw forbidden("Only admins of this location may configure other users' calendars");
    }
    const [member] = await this.ds.query(`SELECT 1 FROM location_members WHERE location_id = $1 AND user_id = $2`, [locationId, targetId]);
    if (!member) throw badInput('userId', `user ${targetId} is not a member of this location`);
    return targetId;
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
