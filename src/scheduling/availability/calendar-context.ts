import { DataSource, EntityManager } from 'typeorm';
import { Calendar } from '../calendar.entity';
import { supportedProviders } from '../calendar-providers';
import { Provider } from '../../connections/connection.enums';
import { FreeSlotRules } from './free-members';
import { GridSettings, TimeRules } from './slot-grid';

/** What availability and booking need of a calendar: its settings, its location's zone and its active team. */
export interface CalendarContext {
  calendar: Calendar;
  zone: string;
  /** Active team members, in team order (a deactivated member is never free). */
  team: string[];
  providers: Provider[];
  grid: GridSettings & TimeRules;
  rules: FreeSlotRules;
}

/** One query: the location's zone and the active team. */
export async function loadCalendarContext(db: DataSource | EntityManager, calendar: Calendar): Promise<CalendarContext> {
  const [row]: Array<{ timezone: string; team: string[] }> = await db.query(
    `SELECT l.timezone,
            ARRAY(SELECT cm.user_id FROM calendar_members cm JOIN users u ON u.id = cm.user_id AND u.active
                   WHERE cm.calendar_id = $1 ORDER BY cm.position) AS team
       FROM locations l WHERE l.id = $2`,
    [calendar.id, calendar.locationId],
  );
  const zone = row.timezone;
  return {
    calendar,
    zone,
    team: row.team,
    providers: supportedProviders(calendar.type),
    grid: {
      zone,
      slotDurationMinutes: calendar.slotDurationMinutes,
      slotIntervalMinutes: calendar.slotIntervalMinutes,
      weeklyHours: calendar.weeklyHours,
      dateOverrides: calendar.dateOverrides,
      minimumNoticeMinutes: calendar.minimumNoticeMinutes,
      bookingWindowDays: calendar.bookingWindowDays,
    },
    rules: {
      type: calendar.type,
      zone,
      bufferBeforeMinutes: calendar.bufferBeforeMinutes,
      bufferAfterMinutes: calendar.bufferAfterMinutes,
      maxAppointmentsPerDay: calendar.maxAppointmentsPerDay,
    },
  };
}
