import { DataSource } from 'typeorm';
import { AccessService } from '../app/auth/access.service';
import { Viewer, viewerUserId } from '../app/auth/viewer';
import { badInput } from '../app/errors/errors';
import { blocksAvailability } from './change-range';
import { ExternalEventRepository } from './external-event.repository';
import { EventAvailability, ExternalEvent } from './external-event.types';

/** Time-range arguments span at most this (contract). */
const MAX_RANGE_MS = 62 * 86_400_000;

/** The externalEvents query: a user's synced third-party events in a location, overlapping [from, to). */
export class ExternalEventsService {
  private readonly events: ExternalEventRepository;

  constructor(
    private readonly ds: DataSource,
    private readonly access: AccessService,
  ) {
    this.events = new ExternalEventRepository(ds);
  }

  /**
   * The viewer's own events, or (admins of the location) those of a user they manage. Checks in PRODUCT.md's
   * order: the range, the location, who; titles are hidden from everyone but the owner when the owner asked.
   */
  async list(viewer: Viewer, locationId: string, from: Date, to: Date, userId?: string | null): Promise<ExternalEvent[]> {
    if (!(to.getTime() > from.getTime())) throw badInput('to', 'must be after from');
    if (to.getTime() - from.getTime() > MAX_RANGE_MS) throw badInput('to', 'the range may span at most 62 days');
    const loc = await this.access.requireLocation(viewer, locationId, 'read');
    const targetId = await this.access.requireTargetUser(viewer, loc, userId, { forbidden: "Only admins of this location may read other users' events", member: true });
    const [settings] = await this.ds.query(
      `SELECT a.count_tentative_as_busy AS tentative, coalesce(cfg.hide_event_details, false) AS hide
         FROM agencies a LEFT JOIN calendar_configurations cfg ON cfg.location_id = $2 AND cfg.user_id = $3 WHERE a.id = $1`,
      [loc.agencyId, locationId, targetId],
    );
    const hideTitles = settings?.hide === true && targetId !== viewerUserId(viewer);
    return (await this.events.overlapping(locationId, targetId, from, to)).map((r) =>
      Object.assign(new ExternalEvent(), {
        id: r.id,
        providerCalendarId: r.provider_calendar_id,
        title: hideTitles ? null : r.title,
        startTime: r.start_time,
        endTime: r.end_time,
        isAllDay: r.is_all_day,
        availability: r.availability as EventAvailability,
        blocksAvailability: blocksAvailability(r.availability, settings?.tentative === true),
      }),
    );
  }
}
