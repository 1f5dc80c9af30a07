import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { DateTime } from 'luxon';
import { badRequest, EmulatorError, notFound } from './emulator.error';
import type { AccessRole, AccountSeed, CalendarSeed, EventInput, StoredAccount, StoredCalendar, StoredEvent } from './emulator.types';
import { instantOf, isValidTime, withOffset } from './event-time';
import { instanceOf } from './event-instance';
import { expandRecurrence } from './rrule-expander';
import { reconcileSeries } from './series-change';
import { TokenStore, type TokenSnapshot } from './token-store';

// Accounts, calendars and events: the one store behind the API, the control API and
// tests' direct calls. Every event change bumps the calendar's sequence (sync tokens)
// and emits 'change' (push channels), whoever made it.

export interface ChangeNotice {
  calendarId: string;
  eventId: string;
}

const CLIENT_ID = /^[a-v0-9]{5,1024}$/;
const base32hexId = () => {
  const alphabet = '0123456789abcdefghijklmnopqrstuv';
  return Array.from(randomBytes(26), (b) => alphabet[b & 31]).join('');
};

/** Accounts, calendars (with their events) and tokens, for a state file. */
export interface StateSnapshot {
  accounts: Map<string, StoredAccount>;
  calendars: Map<string, StoredCalendar>;
  tokens: TokenSnapshot;
}

export class GoogleEmulatorState extends EventEmitter<{ change: [ChangeNotice] }> {
  readonly tokens = new TokenStore();
  readonly accounts = new Map<string, StoredAccount>();
  readonly calendars = new Map<string, StoredCalendar>();

  snapshot(): StateSnapshot {
    return { accounts: this.accounts, calendars: this.calendars, tokens: this.tokens.snapshot() };
  }

  restore(s: StateSnapshot): void {
    this.accounts.clear();
    for (const [k, v] of s.accounts) this.accounts.set(k, v);
    this.calendars.clear();
    for (const [k, v] of s.calendars) this.calendars.set(k, v);
    this.tokens.restore(s.tokens);
  }

  addAccount(seed: AccountSeed): StoredAccount {
    const email = seed.email.toLowerCase();
    const existing = this.findAccount(email);
    if (existing) return existing;
    const sub = seed.sub ?? BigInt(`0x${createHash('sha256').update(email).digest('hex').slice(0, 15)}`).toString().padStart(21, '1');
    const account: StoredAccount = { sub, email, name: seed.name ?? email.split('@')[0], calendarGrant: seed.calendarGrant ?? 'readwrite', calendars: new Map() };
    this.accounts.set(sub, account);
    this.addCalendar(email, { id: email, summary: email, timeZone: seed.timeZone ?? 'UTC', accessRole: 'owner' }, true);
    for (const c of seed.calendars ?? []) this.addCalendar(email, c);
    return account;
  }

  /** Creates a calendar (or reuses one with that id) and lists it for the account with the given access. */
  addCalendar(email: string, seed: CalendarSeed, primary = false): StoredCalendar {
    const account = this.account(email);
    const id = seed.id ?? `${base32hexId()}@group.calendar.google.com`;
    let cal = this.calendars.get(id);
    if (!cal) {
      cal = { id, summary: seed.summary ?? id, timeZone: seed.timeZone ?? 'UTC', events: new Map(), seq: 1, nextOrd: 1, syncEpoch: 1, exceptionIds: new Set() };
      this.calendars.set(id, cal);
    }
    account.calendars.set(id, { calendarId: id, accessRole: seed.accessRole ?? 'owner', primary });
    return cal;
  }

  shareCalendar(calendarId: string, email: string, accessRole: AccessRole): void {
    this.calendar(calendarId);
    this.account(email).calendars.set(calendarId, { calendarId, accessRole, primary: false });
  }

  findAccount(emailOrSub: string): StoredAccount | undefined {
    const bySub = this.accounts.get(emailOrSub);
    if (bySub) return bySub;
    const email = emailOrSub.toLowerCase();
    for (const a of this.accounts.values()) if (a.email === email) return a;
    return undefined;
  }

  account(emailOrSub: string): StoredAccount {
    const a = this.findAccount(emailOrSub);
    if (!a) throw new EmulatorError(404, 'notFound', `No account ${emailOrSub}`);
    return a;
  }

  calendar(id: string): StoredCalendar {
    const c = this.calendars.get(id);
    if (!c) throw notFound();
    return c;
  }

  /** The user removed the app's access (refresh → invalid_grant, API → 401). */
  revokeGrants(email: string): void {
    this.tokens.revokeAll(this.account(email).sub);
  }

  expireAccessTokens(email: string): void {
    this.tokens.expireAccess(this.account(email).sub);
  }

  /** Every sync token issued so far now answers 410 fullSyncRequired. */
  expireSyncTokens(calendarId: string): void {
    this.calendar(calendarId).syncEpoch++;
  }

  events(calendarId: string): StoredEvent[] {
    return [...this.calendar(calendarId).events.values()];
  }

  insertEvent(calendarId: string, input: EventInput): StoredEvent {
    const cal = this.calendar(calendarId);
    if (input.id !== undefined && !CLIENT_ID.test(input.id)) throw badRequest('Invalid resource id value.');
    if (input.id && cal.events.has(input.id)) throw new EmulatorError(409, 'duplicate', 'The requested identifier already exists.');
    if (!isValidTime(input.start, cal.timeZone)) throw badRequest('Missing start time.', 'required');
    if (!isValidTime(input.end, cal.timeZone)) throw badRequest('Missing end time.', 'required');
    const id = input.id ?? base32hexId();
    const now = new Date().toISOString();
    const ev: StoredEvent = {
      ...input,
      id,
      calendarId,
      status: input.status ?? 'confirmed',
      start: withOffset(input.start, cal.timeZone),
      end: withOffset(input.end, cal.timeZone),
      iCalUID: input.iCalUID ?? `${id}@google.com`,
      created: now,
      updated: now,
      seq: ++cal.seq,
      ord: cal.nextOrd++,
      startMs: instantOf(input.start, cal.timeZone),
      endMs: instantOf(input.end, cal.timeZone),
    };
    if (ev.recurringEventId) cal.exceptionIds.add(id);
    cal.events.set(id, ev);
    this.emit('change', { calendarId, eventId: id });
    return ev;
  }

  /** A stored event, or the occurrence of a series an instance id names. */
  getEvent(calendarId: string, eventId: string): StoredEvent {
    const cal = this.calendar(calendarId);
    const ev = cal.events.get(eventId) ?? this.instance(cal, eventId);
    if (!ev) throw notFound();
    return ev;
  }

  patchEvent(calendarId: string, eventId: string, patch: EventInput): StoredEvent {
    const cal = this.calendar(calendarId);
    const ev = this.materialize(cal, eventId);
    if (ev.status === 'cancelled' && !patch.status) throw new EmulatorError(410, 'deleted', 'Resource has been deleted');
    const before = ev.recurrence && (patch.recurrence || patch.start || patch.end) ? { ...ev } : null;
    const { id: _id, recurringEventId: _r, originalStartTime: _o, iCalUID: _i, ...allowed } = patch;
    Object.assign(ev, allowed);
    if (patch.extendedProperties) ev.extendedProperties = mergeProps(ev.extendedProperties, patch.extendedProperties);
    if (patch.start) ev.start = withOffset(patch.start, cal.timeZone);
    if (patch.end) ev.end = withOffset(patch.end, cal.timeZone);
    if (!isValidTime(ev.start, cal.timeZone) || !isValidTime(ev.end, cal.timeZone)) throw badRequest('Invalid time.');
    ev.startMs = instantOf(ev.start, cal.timeZone);
    ev.endMs = instantOf(ev.end, cal.timeZone);
    this.touch(cal, ev);
    if (before) reconcileSeries(cal, before, ev, (changed) => this.mark(cal, changed));
    return ev;
  }

  /** Leaves a cancelled tombstone; a series takes its exceptions with it. */
  deleteEvent(calendarId: string, eventId: string): void {
    const cal = this.calendar(calendarId);
    const ev = this.materialize(cal, eventId);
    if (ev.status === 'cancelled') throw new EmulatorError(410, 'deleted', 'Resource has been deleted');
    ev.status = 'cancelled';
    this.touch(cal, ev);
    if (ev.recurrence) {
      for (const exId of cal.exceptionIds) {
        const ex = cal.events.get(exId)!;
        if (ex.recurringEventId === ev.id && ex.status !== 'cancelled') {
          ex.status = 'cancelled';
          this.touch(cal, ex);
        }
      }
    }
  }

  private touch(cal: StoredCalendar, ev: StoredEvent): void {
    this.mark(cal, ev);
    this.emit('change', { calendarId: cal.id, eventId: ev.id });
  }

  /** A new sequence without a change notice of its own (instances changed along with their series). */
  private mark(cal: StoredCalendar, ev: StoredEvent): void {
    ev.seq = ++cal.seq;
    ev.updated = new Date().toISOString();
  }

  /** A stored event, or a new stored exception for the named occurrence (editing one occurrence). */
  private materialize(cal: StoredCalendar, eventId: string): StoredEvent {
    const stored = cal.events.get(eventId);
    if (stored) return stored;
    const occurrence = this.instance(cal, eventId);
    if (!occurrence) throw notFound();
    occurrence.ord = cal.nextOrd++;
    cal.events.set(occurrence.id, occurrence);
    cal.exceptionIds.add(occurrence.id);
    return occurrence;
  }

  /** `<masterId>_<stamp>` → the occurrence as an unsaved event. */
  private instance(cal: StoredCalendar, instanceId: string): StoredEvent | undefined {
    const cut = instanceId.lastIndexOf('_');
    if (cut < 0) return undefined;
    const master = cal.events.get(instanceId.slice(0, cut));
    if (!master?.recurrence) return undefined;
    const stamp = instanceId.slice(cut + 1);
    const at = /^\d{8}$/.test(stamp)
      ? DateTime.fromFormat(stamp, 'yyyyMMdd', { zone: cal.timeZone }).toMillis()
      : DateTime.fromFormat(stamp, "yyyyMMdd'T'HHmmss'Z'", { zone: 'UTC' }).toMillis();
    if (!Number.isFinite(at)) return undefined;
    const occ = expandRecurrence(master, cal.timeZone, at - 1, at + 1).find((o) => o.stamp === stamp);
    return occ ? instanceOf(master, occ) : undefined;
  }
}

function mergeProps(a: StoredEvent['extendedProperties'], b: NonNullable<EventInput['extendedProperties']>): StoredEvent['extendedProperties'] {
  return { private: { ...a?.private, ...b.private }, shared: { ...a?.shared, ...b.shared } };
}
