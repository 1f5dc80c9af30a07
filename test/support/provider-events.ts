// Events created at the emulators as a user would in Outlook or Google Calendar (times in UTC).
import type { Emulators } from './connect-flow';

/** A whole hour, `days` days from now (UTC), so tests never depend on the time of day. */
export function hourFromNow(days: number, hour = 10): Date {
  const d = new Date(Date.now() + days * 86_400_000);
  d.setUTCHours(hour, 0, 0, 0);
  return d;
}

export const plusMinutes = (d: Date, minutes: number) => new Date(d.getTime() + minutes * 60_000);

export interface TestEvent {
  title: string;
  start: Date;
  end: Date;
  /** Outlook showAs (default busy). */
  showAs?: 'free' | 'tentative' | 'busy' | 'oof' | 'workingElsewhere' | 'unknown';
  /** Google transparency (default opaque = busy). */
  free?: boolean;
}

/** Creates the event in an Outlook calendar; returns its Graph id. */
export function outlookEvent(emu: Emulators, calendarId: string, e: TestEvent): string {
  return emu.microsoft.state.createEvent(calendarId, {
    subject: e.title,
    start: { dateTime: e.start.toISOString(), timeZone: 'UTC' },
    end: { dateTime: e.end.toISOString(), timeZone: 'UTC' },
    showAs: e.showAs ?? 'busy',
  }).event.id;
}

/** Creates the event in a Google calendar; returns its id. */
export function googleEvent(emu: Emulators, calendarId: string, e: TestEvent): string {
  return emu.google.state.insertEvent(calendarId, {
    summary: e.title,
    start: { dateTime: e.start.toISOString() },
    end: { dateTime: e.end.toISOString() },
    transparency: e.free ? 'transparent' : 'opaque',
  }).id;
}
