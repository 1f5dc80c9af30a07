import { DataSource, EntityManager } from 'typeorm';
import { AccessService } from '../app/auth/access.service';
import { canSeeLocation, LocationRef } from '../app/auth/access-policy';
import { Viewer } from '../app/auth/viewer';
import { badInput } from '../app/errors/errors';
import { isUuid } from '../app/validation/ids';
import { requireIntInRange, requireName } from '../app/validation/validate';
import { Calendar } from './calendar.entity';
import { CalendarMember } from './calendar-member.entity';
import { CalendarType, SINGLE_MEMBER_TYPES } from './calendar-type.enum';
import { CreateCalendarInput, UpdateCalendarInput } from './calendar.inputs';
import { DEFAULT_SETTINGS, SETTING_RANGES, SettingsPatch, settingsPatch } from './settings/calendar-settings';

export const SLOT_MINUTES = SETTING_RANGES.slotDurationMinutes;

export class CalendarService {
  constructor(
    private readonly ds: DataSource,
    private readonly access: AccessService,
  ) {}

  async find(viewer: Viewer, id: string): Promise<Calendar | null> {
    if (!isUuid(id)) return null;
    const cal = await this.ds.getRepository(Calendar).findOneBy({ id });
    return cal && canSeeLocation(viewer, { id: cal.locationId, agencyId: cal.agencyId }) ? cal : null;
  }

  async create(viewer: Viewer, input: CreateCalendarInput): Promise<Calendar> {
    const name = requireName('name', input.name);
    const slot = requireIntInRange('slotDurationMinutes', input.slotDurationMinutes, SLOT_MINUTES.min, SLOT_MINUTES.max);
    const settings = settingsPatch(input);
    const memberIds = memberCountForType(input.type, shapeMembers(input.teamMemberIds));
    const loc = await this.access.requireLocation(viewer, input.locationId, 'manage');
    await this.assertMembersOfLocation(loc, memberIds);
    return this.ds.transaction(async (tx) => {
      const fields = { locationId: loc.id, agencyId: loc.agencyId, name, type: input.type, slotDurationMinutes: slot, ...withDefaults(settings) };
      const cal = await tx.getRepository(Calendar).save(tx.getRepository(Calendar).create(fields));
      await replaceMembers(tx, cal.id, memberIds);
      return cal;
    });
  }

  async update(viewer: Viewer, input: UpdateCalendarInput): Promise<Calendar> {
    const name = input.name == null ? undefined : requireName('name', input.name);
    const slot = input.slotDurationMinutes == null ? undefined : requireIntInRange('slotDurationMinutes', input.slotDurationMinutes, SLOT_MINUTES.min, SLOT_MINUTES.max);
    const settings = settingsPatch(input);
    // The shape of the list is input validation (before NOT_FOUND); the count allowed depends on the calendar's type.
    const shaped = input.teamMemberIds == null ? undefined : shapeMembers(input.teamMemberIds);
    const cal = await this.access.requireCalendar(viewer, input.id, 'manage');
    const memberIds = shaped && memberCountForType(cal.type, shaped);
    if (memberIds) await this.assertMembersOfLocation({ id: cal.locationId, agencyId: cal.agencyId }, memberIds);
    return this.ds.transaction(async (tx) => {
      if (name !== undefined) cal.name = name;
      if (slot !== undefined) cal.slotDurationMinutes = slot;
      applySettings(cal, settings);
      await tx.getRepository(Calendar).save(cal);
      if (memberIds) await replaceMembers(tx, cal.id, memberIds);
      return cal;
    });
  }

  /** Team members are active members of the location (agency admins count as members of every location of their agency). */
  private async assertMembersOfLocation(loc: LocationRef, memberIds: string[]): Promise<void> {
    await this.access.requireActiveMembers(loc, memberIds, 'teamMemberIds', (id) => `user ${id} is not an active member of this location`);
  }
}

/** A new calendar's settings: the given ones, defaults for the rest. */
function withDefaults(patch: SettingsPatch) {
  const { slotIntervalMinutes, ...rest } = patch;
  return {
    ...DEFAULT_SETTINGS,
    weeklyHours: [...DEFAULT_SETTINGS.weeklyHours],
    dateOverrides: [...DEFAULT_SETTINGS.dateOverrides],
    ...rest,
    slotIntervalSetting: slotIntervalMinutes ?? null,
  };
}

/** Update: only the settings given change (weeklyHours and dateOverrides as whole lists). */
function applySettings(cal: Calendar, patch: SettingsPatch): void {
  const { slotIntervalMinutes, ...rest } = patch;
  Object.assign(cal, rest);
  if (slotIntervalMinutes !== undefined) cal.slotIntervalSetting = slotIntervalMinutes;
}

/** Shape rules: at least one member, no duplicates, well-formed ids. */
function shapeMembers(ids: string[]): string[] {
  if (ids.length === 0) throw badInput('teamMemberIds', 'a calendar needs at least one team member');
  if (new Set(ids).size !== ids.length) throw badInput('teamMemberIds', 'a team member is listed twice');
  const bad = ids.find((id) => !isUuid(id));
  if (bad) throw badInput('teamMemberIds', `user ${bad} is not an active member of this location`);
  return ids;
}

/** PERSONAL and EVENT calendars have exactly one team member. */
function memberCountForType(type: CalendarType, ids: string[]): string[] {
  if (SINGLE_MEMBER_TYPES.has(type) && ids.length !== 1) throw badInput('teamMemberIds', `a ${type} calendar has exactly one team member`);
  return ids;
}

async function replaceMembers(tx: EntityManager, calendarId: string, memberIds: string[]): Promise<void> {
  await tx.getRepository(CalendarMember).delete({ calendarId });
  await tx.getRepository(CalendarMember).insert(memberIds.map((userId, position) => ({ calendarId, userId, position })));
}
