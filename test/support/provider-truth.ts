// What a calendar holds at the provider, read in full through a driver of our own (fresh tokens for the same
// account), and what calbridge stored for it: convergence tests compare the two.
import { DataSource } from 'typeorm';
import type { CalendarProvider, NormalizedEvent, TokenSet } from '../../src/providers/calendar-provider';
import { GoogleCalendarDriver } from '../../src/providers/google/google.driver';
import { OutlookDriver } from '../../src/providers/outlook/outlook.driver';
import { connect as connectGoogle, fastRetries } from '../providers/google.harness';
import { connect as connectOutlook, driverOptions } from '../providers/outlook.test-kit';
import type { Emulators } from './connect-flow';

export interface Window {
  from: Date;
  to: Date;
}

/** The service's sync window (SYNC_WINDOW_PAST_DAYS / _FUTURE_DAYS defaults) as of now. */
export const defaultWindow = (now = Date.now()): Window => ({ from: new Date(now - 7 * 86_400_000), to: new Date(now + 180 * 86_400_000) });

/** One stored event as a comparable line: id, times, all-day, availability, title, series. */
export const eventLine = (e: Pick<NormalizedEvent, 'externalId' | 'start' | 'end' | 'isAllDay' | 'availability' | 'title' | 'seriesExternalId'>) =>
  [e.externalId, e.start.toISOString(), e.end.toISOString(), e.isAllDay ? 'all-day' : 'timed', e.availability, e.title ?? '', e.seriesExternalId ?? ''].join(' | ');

export interface TruthReader {
  /** Every occurrence in the window, sorted lines (eventLine). */
  read(calendarExternalId: string, window: Window): Promise<string[]>;
  close(): void;
}

async function fullRead(driver: CalendarProvider, tokens: TokenSet, calendarExternalId: string, window: Window, timeZone: string | null): Promise<string[]> {
  const events = new Map<string, NormalizedEvent>();
  for await (const page of driver.readChanges(tokens, calendarExternalId, { cursor: null, windowStart: window.from, windowEnd: window.to, pageSize: 1000, calendarTimeZone: timeZone })) {
    for (const id of page.removedIds) events.delete(id);
    for (const e of page.upserts) events.set(e.externalId, e);
  }
  // As the sync stores it: clipped to the window.
  return [...events.values()].filter((e) => e.end > window.from && e.start < window.to).map(eventLine).sort();
}

/** A reader of the account's calendars at the emulator, signed in on its own (the service's tokens are not touched). */
export async function truthReader(emu: Emulators, provider: 'OUTLOOK' | 'GOOGLE', login: string): Promise<TruthReader> {
  if (provider === 'OUTLOOK') {
    const driver = new OutlookDriver(driverOptions(emu.microsoft, 'calbridge-truth'));
    const tokens = await connectOutlook(emu.microsoft, driver, login);
    return { read: (id, window) => fullRead(driver, tokens, id, window, null), close: () => driver.close() };
  }
  const driver = new GoogleCalendarDriver({ clientId: 'calbridge-truth', clientSecret: 'truth', authUrl: emu.google.authUrl, tokenUrl: emu.google.tokenUrl, apiUrl: emu.google.apiUrl }, fastRetries);
  const tokens = await connectGoogle(driver, login);
  const zones = new Map((await driver.listCalendars(tokens)).map((c) => [c.externalId, c.timeZone]));
  return { read: (id, window) => fullRead(driver, tokens, id, window, zones.get(id) ?? null), close: () => undefined };
}

/** What calbridge stored for one provider calendar (by its external id), as sorted lines. */
export async function storedLines(ds: DataSource, connectionId: string, calendarExternalId: string): Promise<string[]> {
  const rows: Array<{ external_id: string; series_external_id: string | null; title: string | null; start_time: Date; end_time: Date; is_all_day: boolean; availability: NormalizedEvent['availability'] }> = await ds.query(
    `SELECT e.external_id, e.series_external_id, e.title, e.start_time, e.end_time, e.is_all_day, e.availability
       FROM external_events e JOIN provider_calendars pc ON pc.id = e.provider_calendar_id
      WHERE pc.connection_id = $1 AND pc.external_id = $2`,
    [connectionId, calendarExternalId],
  );
  return rows
    .map((r) => eventLine({ externalId: r.external_id, start: r.start_time, end: r.end_time, isAllDay: r.is_all_day, availability: r.availability, title: r.title, seriesExternalId: r.series_external_id }))
    .sort();
}

/** The lines only one side has, for a failure message (a few of each). */
export function difference(stored: readonly string[], truth: readonly string[], max = 5): string {
  const s = new Set(stored);
  const t = new Set(truth);
  const missing = truth.filter((l) => !s.has(l));
  const extra = stored.filter((l) => !t.has(l));
  const dupes = stored.length - s.size;
  return [
    `stored ${stored.length}, provider ${truth.length}${dupes ? `, ${dupes} stored twice` : ''}`,
    ...missing.slice(0, max).map((l) => `  missing: ${l}`),
    ...(missing.length > max ? [`  … ${missing.length - max} more missing`] : []),
    ...extra.slice(0, max).map((l) => `  extra:   ${l}`),
    ...(extra.length > max ? [`  … ${extra.length - max} more extra`] : []),
  ].join('\n');
}
