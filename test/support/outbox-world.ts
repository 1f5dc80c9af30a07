// Members whose linked calendar is a real emulator calendar, and what the emulators hold: for the outbox tests.
import { DateTime } from 'luxon';
import { BookAppointmentDocument, Provider, UpdateCalendarConfigurationDocument } from '../generated/graphql';
import { ConnectFlow, Emulators, newTenant, uniqueEmail } from './connect-flow';
import { insertCalendar } from './fixtures';
import { GqlResult, TestApp } from './test-app';

export const NY = 'America/New_York';
export const at = (local: string) => DateTime.fromISO(local, { zone: NY }).toJSDate();
export const iso = (local: string) => at(local).toISOString();
/** Monday 2030-06-03, 07:00 in New York: the test clock; calendars are open Monday-Friday 09:00-17:00. */
export const NOW = at('2030-06-03T07:00');

export interface LinkedMember {
  agencyId: string;
  locationId: string;
  userId: string;
  /** The emulator account (Outlook sign-in name or Google email). */
  account: string;
  provider: Provider;
  connectionId: string;
  /** Their linked calendar: our id and the provider's. */
  providerCalendarId: string;
  calendarExternalId: string;
  /** A PERSONAL CRM calendar of theirs. */
  crmCalendarId: string;
  /** The tenant's agency admin. */
  agencyAdminId: string;
}

export interface LinkOptions {
  meetingProvider?: 'NONE' | 'AUTO' | 'TEAMS' | 'GOOGLE_MEET';
  syncDirection?: 'ONE_WAY' | 'TWO_WAY';
  /** Outlook account kind (personal accounts cannot host Teams). */
  kind?: 'work' | 'personal';
  /** The linked calendar is also their conflict calendar (its events block their time). */
  conflict?: boolean;
  /** CRM calendar slot length (default 30). */
  slotMinutes?: number;
}

/** A fresh tenant whose account user connected an emulator account and linked its default calendar. */
export async function linkedMember(t: TestApp, emu: Emulators, flow: ConnectFlow, provider: Provider, opts: LinkOptions = {}): Promise<LinkedMember> {
  const w = await newTenant(t.app.ds);
  const account =
    provider === 'OUTLOOK'
      ? emu.microsoft.addAccount({ email: uniqueEmail('outbox', opts.kind === 'personal' ? 'outlook.com' : 'contoso-outbox.test'), kind: opts.kind ?? 'work' }).userPrincipalName
      : emu.google.addAccount({ email: uniqueEmail('outbox', 'gmail.test'), timeZone: NY }).email;
  const conn = await flow.connected(w.userA, w.locA, provider, account);
  const linked = conn.calendars.find((c) => c.isDefault)!;
  const configured = await t.gql(
    UpdateCalendarConfigurationDocument,
    { input: { locationId: w.locA, linkedCalendarId: linked.id, conflictCalendarIds: opts.conflict ? [linked.id] : [], syncDirection: opts.syncDirection ?? 'ONE_WAY' } },
    t.tokenFor(w.userA),
  );
  if (configured.errors) throw new Error(`configuration failed: ${JSON.stringify(configured.errors)}`);
  const [{ external_id }] = await t.app.ds.query(`SELECT external_id FROM provider_calendars WHERE id = $1`, [linked.id]);
  const crmCalendarId = await insertCalendar(t.app.ds, w.agencyId, w.locA, [w.userA], 'PERSONAL', opts.slotMinutes ?? 30);
  await t.app.ds.query(`UPDATE calendars SET meeting_provider = $2 WHERE id = $1`, [crmCalendarId, opts.meetingProvider ?? 'NONE']);
  return { agencyId: w.agencyId, locationId: w.locA, userId: w.userA, account, provider, connectionId: conn.id, providerCalendarId: linked.id, calendarExternalId: external_id, crmCalendarId, agencyAdminId: w.agencyAdmin };
}

export function book(t: TestApp, m: LinkedMember, local: string, extra: { title?: string; description?: string; attendeeEmails?: string[] } = {}) {
  return t.gql(BookAppointmentDocument, { input: { calendarId: m.crmCalendarId, startTime: iso(local), title: extra.title ?? 'Intro call', ...extra } }, t.tokenFor(m.userId));
}

export function ok<R>(r: GqlResult<R>): R {
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data!;
}

/** An event as the provider holds it, either provider's shape made one. */
export interface HeldEvent {
  id: string;
  title: string;
  start: Date;
  end: Date;
  body: string;
  attendees: string[];
  meetingUrl: string | null;
  /** Our idempotency key (Graph transactionId / Google private extended property). */
  clientKey: string | null;
}

/** The events the emulator holds in the member's linked calendar (deleted ones not). */
export function heldEvents(emu: Emulators, m: Pick<LinkedMember, 'provider' | 'calendarExternalId'>): HeldEvent[] {
  if (m.provider === 'OUTLOOK') {
    return emu.microsoft.state.eventsIn(m.calendarExternalId).map((e) => ({
      id: e.id,
      title: e.subject,
      start: new Date(e.startMs),
      end: new Date(e.endMs),
      body: e.bodyContent,
      attendees: (e.attendees ?? []).map((a) => a.emailAddress.address),
      meetingUrl: e.onlineMeeting?.joinUrl ?? null,
      clientKey: e.transactionId,
    }));
  }
  return emu.google.state
    .events(m.calendarExternalId)
    .filter((e) => e.status !== 'cancelled')
    .map((e) => ({
      id: e.id,
      title: e.summary ?? '',
      start: new Date(e.startMs),
      end: new Date(e.endMs),
      body: e.description ?? '',
      attendees: (e.attendees ?? []).map((a) => a.email),
      meetingUrl: e.hangoutLink ?? null,
      clientKey: e.extendedProperties?.private?.calbridgeKey ?? Object.values(e.extendedProperties?.private ?? {})[0] ?? null,
    }));
}

/** Requests the emulator answered (or dropped) for event writes of this member's calendar. */
export function eventWrites(emu: Emulators, m: Pick<LinkedMember, 'provider' | 'account'>): Array<{ method: string; time: number; durationMs: number; status: number | null }> {
  if (m.provider === 'OUTLOOK') {
    return emu.microsoft.requestLog
      .list({ account: m.account, path: /\/events/ })
      .filter((e) => e.method !== 'GET')
      .map((e) => ({ method: e.method, time: e.time, durationMs: e.durationMs, status: e.status || null }));
  }
  return emu.google.requestLog.entries
    .filter((e) => e.account === m.account && /\/events/.test(e.path) && e.method !== 'GET' && !/watch/.test(e.path))
    .map((e) => ({ method: e.method, time: e.time, durationMs: e.durationMs, status: e.status }));
}

/** Polls until `check` holds (the outbox works in the background). */
export async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
