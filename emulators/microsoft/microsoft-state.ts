// The emulator's world: accounts, calendars, events, tokens and subscriptions, in memory.
// Tests drive it directly (in-process); the control API and Graph routes go through it too.
import { EventEmitter } from 'node:events';
import { localToMs, normalizeLocal, msToLocal } from './graph-datetime';
import { newChangeKey, newGraphId, newGuid, newPersonalId, occurrenceId, parseOccurrenceId } from './ids';
import { expandSeries, occurrenceStarts } from './recurrence-expander';
import {
  PERSONAL_TENANT_ID,
  type AccessToken,
  type Account,
  type AccountKind,
  type AuthCode,
  type Calendar,
  type OccurrenceOverride,
  type Recurrence,
  type RefreshToken,
  type ShareRole,
  type ShowAs,
  type StoredEvent,
  type Subscription,
  type Tombstone,
  type ViewItem,
} from './microsoft-model';

export interface DateTimeTimeZone {
  dateTime: string;
  timeZone?: string;
}

/** Graph's event body as written by a client (POST/PATCH) or by the control API. */
export interface EventInput {
  subject?: string;
  body?: { contentType?: string; content?: string };
  start?: DateTimeTimeZone;
  end?: DateTimeTimeZone;
  isAllDay?: boolean;
  isCancelled?: boolean;
  showAs?: ShowAs;
  sensitivity?: string;
  transactionId?: string | null;
  recurrence?: Recurrence | null;
}

export interface AccountInput {
  /** Sign-in name; for work and on-premises accounts also the mail address. */
  email: string;
  kind?: AccountKind;
  displayName?: string;
  /** Work accounts of one tenant share it; defaults to a tenant per domain. */
  tenantId?: string;
  /** Resource scopes the user grants whatever is asked (e.g. a read-only grant); default: what is requested. */
  consentScopes?: string[];
  /** Extra calendars besides the default "Calendar". */
  calendars?: string[];
}

export interface ChangeNotice {
  calendarId: string;
  eventId: string;
  changeType: 'created' | 'updated' | 'deleted';
}

export type FoundEvent = { kind: 'event'; event: StoredEvent } | { kind: 'occurrence'; item: ViewItem };

export class GraphStateError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const TOMBSTONE_HORIZON_MS = 3 * 366 * 86_400_000;

/** Everything the emulator knows, for a state file (Maps included: the snapshot file keeps them). */
export interface MicrosoftSnapshot {
  accounts: Map<string, Account>;
  calendars: Map<string, Calendar>;
  events: Map<string, StoredEvent>;
  accessTokens: Map<string, AccessToken>;
  refreshTokens: Map<string, RefreshToken>;
  authCodes: Map<string, AuthCode>;
  subscriptions: Map<string, Subscription>;
  tombstones: Map<string, Tombstone[]>;
  deltaGeneration: Map<string, number>;
  tenantsByDomain: Map<string, string>;
  seq: number;
}

export class MicrosoftState {
  readonly accounts = new Map<string, Account>();
  readonly calendars = new Map<string, Calendar>();
  readonly events = new Map<string, StoredEvent>();
  readonly accessTokens = new Map<string, AccessToken>();
  readonly refreshTokens = new Map<string, RefreshToken>();
  readonly authCodes = new Map<string, AuthCode>();
  readonly subscriptions = new Map<string, Subscription>();
  /** Fires ChangeNotice for every event change, whoever made it. */
  readonly changes = new EventEmitter();

  private readonly byLogin = new Map<string, Account>();
  private readonly eventsByCalendar = new Map<string, Map<string, StoredEvent>>();
  private readonly tombstones = new Map<string, Tombstone[]>();
  private readonly deltaGeneration = new Map<string, number>();
  private readonly tenantsByDomain = new Map<string, string>();
  private seqCounter = 0;

  get seq(): number {
    return this.seqCounter;
  }

  private nextSeq(): number {
    return ++this.seqCounter;
  }

  // ---- state file ----

  snapshot(): MicrosoftSnapshot {
    const { accounts, calendars, events, accessTokens, refreshTokens, authCodes, subscriptions, tombstones, deltaGeneration, tenantsByDomain } = this;
    return { accounts, calendars, events, accessTokens, refreshTokens, authCodes, subscriptions, tombstones, deltaGeneration, tenantsByDomain, seq: this.seqCounter };
  }

  /** Replaces the state with a snapshot; the lookup indexes are rebuilt from it. */
  restore(s: MicrosoftSnapshot): void {
    const pairs: Array<[Map<string, unknown>, Map<string, unknown>]> = [
      [this.accounts, s.accounts], [this.calendars, s.calendars], [this.events, s.events], [this.accessTokens, s.accessTokens],
      [this.refreshTokens, s.refreshTokens], [this.authCodes, s.authCodes], [this.subscriptions, s.subscriptions],
      [this.tombstones, s.tombstones], [this.deltaGeneration, s.deltaGeneration], [this.tenantsByDomain, s.tenantsByDomain],
    ];
    for (const [target, source] of pairs) {
      target.clear();
      for (const [k, v] of source) target.set(k, v);
    }
    this.seqCounter = s.seq;
    this.byLogin.clear();
    for (const a of this.accounts.values()) this.byLogin.set(a.userPrincipalName, a);
    this.eventsByCalendar.clear();
    for (const id of this.calendars.keys()) {
      this.eventsByCalendar.set(id, new Map());
      if (!this.tombstones.has(id)) this.tombstones.set(id, []);
    }
    for (const e of this.events.values()) this.eventsByCalendar.get(e.calendarId)?.set(e.id, e);
  }

  // ---- accounts and calendars ----

  addAccount(input: AccountInput): Account {
    const kind = input.kind ?? 'work';
    const email = input.email.toLowerCase();
    if (this.byLogin.has(email)) throw new GraphStateError(409, 'Conflict', `account ${email} exists`);
    const domain = email.split('@')[1] ?? 'example.com';
    let tid = input.tenantId;
    if (!tid && kind === 'personal') tid = PERSONAL_TENANT_ID;
    if (!tid) {
      tid = this.tenantsByDomain.get(domain) ?? newGuid();
      this.tenantsByDomain.set(domain, tid);
    }
    const personalId = kind === 'personal' ? newPersonalId() : null;
    const oid = personalId ? `00000000-0000-0000-${personalId.slice(0, 4)}-${personalId.slice(4)}` : newGuid();
    const account: Account = {
      id: personalId ?? oid,
      oid,
      tid,
      kind,
      userPrincipalName: email,
      mail: kind === 'personal' ? null : email,
      displayName: input.displayName ?? email.split('@')[0],
      consentScopes: input.consentScopes ?? null,
      defaultCalendarId: '',
    };
    this.accounts.set(account.id, account);
    this.byLogin.set(email, account);
    account.defaultCalendarId = this.addCalendar(account.id, 'Calendar', { isDefault: true }).id;
    for (const name of input.calendars ?? []) this.addCalendar(account.id, name);
    return account;
  }

  /** By Graph id, oid, or sign-in name / mail (case-insensitive). */
  findAccount(ref: string): Account | undefined {
    return this.accounts.get(ref) ?? this.byLogin.get(ref.toLowerCase()) ?? [...this.accounts.values()].find((a) => a.oid === ref);
  }

  account(ref: string): Account {
    const account = this.findAccount(ref);
    if (!account) throw new GraphStateError(404, 'ErrorItemNotFound', `no account ${ref}`);
    return account;
  }

  addCalendar(accountRef: string, name: string, opts: { isDefault?: boolean; color?: string } = {}): Calendar {
    const owner = this.account(accountRef);
    const calendar: Calendar = {
      id: newGraphId('AAMkAGCal'),
      ownerId: owner.id,
      name,
      color: opts.color ?? 'auto',
      isDefault: opts.isDefault ?? false,
      shares: new Map(),
    };
    this.calendars.set(calendar.id, calendar);
    this.eventsByCalendar.set(calendar.id, new Map());
    this.tombstones.set(calendar.id, []);
    return calendar;
  }

  shareCalendar(calendarId: string, withAccountRef: string, role: ShareRole): void {
    this.calendar(calendarId).shares.set(this.account(withAccountRef).id, role);
  }

  calendar(id: string): Calendar {
    const calendar = this.calendars.get(id);
    if (!calendar) throw new GraphStateError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    return calendar;
  }

  /** Calendars an account sees: its own, then those shared with it. */
  calendarsOf(accountId: string): Calendar[] {
    const all = [...this.calendars.values()];
    return [...all.filter((c) => c.ownerId === accountId), ...all.filter((c) => c.shares.has(accountId))];
  }

  // ---- events ----

  eventsIn(calendarId: string): StoredEvent[] {
    this.calendar(calendarId);
    return [...this.eventsByCalendar.get(calendarId)!.values()];
  }

  findEvent(id: string): FoundEvent | undefined {
    const event = this.events.get(id);
    if (event) return { kind: 'event', event };
    const occ = parseOccurrenceId(id);
    const master = occ && this.events.get(occ.masterId);
    if (!occ || !master?.recurrence) return undefined;
    const override = master.exceptions.get(id);
    if (override?.cancelled) return undefined;
    const item = this.occurrenceItem(master, occ.originalStartMs);
    return item ? { kind: 'occurrence', item } : undefined;
  }

  private occurrenceItem(master: StoredEvent, originalStartMs: number): ViewItem | undefined {
    const id = occurrenceId(master.id, originalStartMs);
    const override = master.exceptions.get(id);
    const from = Math.min(originalStartMs, override?.startMs ?? originalStartMs);
    const to = Math.max(originalStartMs, override?.endMs ?? originalStartMs) + 1;
    return expandSeries(master, from - 1, to + 366 * 86_400_000).find((i) => i.id === id);
  }

  createEvent(calendarId: string, input: EventInput): { event: StoredEvent; replayed: boolean } {
    const calendar = this.calendar(calendarId);
    if (input.transactionId) {
      // transactionId makes a retried POST return the event it already created
      for (const cal of this.calendarsOf(calendar.ownerId)) {
        for (const e of this.eventsByCalendar.get(cal.id)!.values()) {
          if (e.transactionId === input.transactionId) return { event: e, replayed: true };
        }
      }
    }
    if (!input.start?.dateTime || !input.end?.dateTime) throw new GraphStateError(400, 'ErrorInvalidRequest', 'start and end are required');
    const now = Date.now();
    const id = newGraphId();
    const event: StoredEvent = {
      id,
      calendarId,
      subject: input.subject ?? '',
      bodyContent: input.body?.content ?? '',
      startLocal: '',
      endLocal: '',
      timeZone: 'UTC',
      endTimeZone: 'UTC',
      startMs: 0,
      endMs: 0,
      isAllDay: input.isAllDay ?? false,
      isCancelled: input.isCancelled ?? false,
      showAs: input.showAs ?? 'busy',
      sensitivity: input.sensitivity ?? 'normal',
      transactionId: input.transactionId ?? null,
      iCalUId: `040000008200E00074C5B7101A82E008${id.slice(-32)}`,
      changeKey: newChangeKey(),
      createdMs: now,
      modifiedMs: now,
      seq: this.nextSeq(),
      recurrence: input.recurrence ?? null,
      exceptions: new Map(),
    };
    this.applyTimes(event, input.start, input.end);
    if (event.recurrence && !event.recurrence.range.startDate) event.recurrence.range.startDate = event.startLocal.slice(0, 10);
    this.events.set(id, event);
    this.eventsByCalendar.get(calendarId)!.set(id, event);
    this.emit({ calendarId, eventId: id, changeType: 'created' });
    return { event, replayed: false };
  }

  private applyTimes(event: StoredEvent, start?: DateTimeTimeZone, end?: DateTimeTimeZone): void {
    if (start) {
      event.timeZone = start.timeZone ?? event.timeZone ?? 'UTC';
      event.startLocal = /[zZ]$|[+-]\d\d:\d\d$/.test(start.dateTime) ? msToLocal(Date.parse(start.dateTime), event.timeZone) : normalizeLocal(start.dateTime);
    }
    if (end) {
      event.endTimeZone = end.timeZone ?? event.timeZone;
      event.endLocal = /[zZ]$|[+-]\d\d:\d\d$/.test(end.dateTime) ? msToLocal(Date.parse(end.dateTime), event.endTimeZone) : normalizeLocal(end.dateTime);
    }
    if (event.isAllDay) {
      // All-day events run midnight to midnight in the event's own zone
      event.startLocal = `${event.startLocal.slice(0, 10)}T00:00:00`;
      event.endLocal = `${event.endLocal.slice(0, 10)}T00:00:00`;
      event.endTimeZone = event.timeZone;
    }
    event.startMs = localToMs(event.startLocal, event.timeZone);
    event.endMs = localToMs(event.endLocal, event.endTimeZone);
    if (event.endMs < event.startMs) throw new GraphStateError(400, 'ErrorInvalidRequest', 'end is before start');
  }

  updateEvent(id: string, input: EventInput): FoundEvent {
    const found = this.findEvent(id);
    if (!found) throw new GraphStateError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    const now = Date.now();
    if (found.kind === 'occurrence') {
      const { item } = found;
      const master = item.event;
      const override: OccurrenceOverride = item.occurrence!.override ?? { cancelled: false, changeKey: '', modifiedMs: now, seq: 0 };
      if (input.subject !== undefined) override.subject = input.subject;
      if (input.showAs !== undefined) override.showAs = input.showAs;
      if (input.start || input.end) {
        const probe = { ...master, startLocal: item.startLocal, endLocal: item.endLocal } as StoredEvent;
        this.applyTimes(probe, input.start, input.end);
        Object.assign(override, { startLocal: probe.startLocal, endLocal: probe.endLocal, startMs: probe.startMs, endMs: probe.endMs });
      }
      override.changeKey = newChangeKey();
      override.modifiedMs = now;
      override.seq = this.nextSeq();
      master.exceptions.set(item.id, override);
      this.emit({ calendarId: master.calendarId, eventId: master.id, changeType: 'updated' });
      return this.findEvent(id)!;
    }
    const event = found.event;
    const before = event.recurrence ? new Set(this.allOccurrenceIds(event)) : null;
    if (input.subject !== undefined) event.subject = input.subject;
    if (input.body?.content !== undefined) event.bodyContent = input.body.content;
    if (input.showAs !== undefined) event.showAs = input.showAs;
    if (input.sensitivity !== undefined) event.sensitivity = input.sensitivity;
    if (input.isCancelled !== undefined) event.isCancelled = input.isCancelled;
    if (input.isAllDay !== undefined) event.isAllDay = input.isAllDay;
    if (input.recurrence !== undefined) event.recurrence = input.recurrence;
    if (input.start || input.end || input.isAllDay !== undefined) this.applyTimes(event, input.start, input.end);
    event.changeKey = newChangeKey();
    event.modifiedMs = now;
    event.seq = this.nextSeq();
    if (before && (input.start || input.end || input.recurrence !== undefined)) {
      // A changed series drops its exceptions; instances that no longer exist are deleted
      event.exceptions.clear();
      const after = new Set(event.recurrence ? this.allOccurrenceIds(event) : []);
      for (const old of before) if (!after.has(old)) this.tombstone(event.calendarId, old);
    }
    this.emit({ calendarId: event.calendarId, eventId: event.id, changeType: 'updated' });
    return { kind: 'event', event };
  }

  /** Returns false when there was nothing to delete. */
  deleteEvent(id: string): boolean {
    const found = this.findEvent(id);
    if (!found) return false;
    if (found.kind === 'occurrence') {
      const master = found.item.event;
      const override = found.item.occurrence!.override ?? { cancelled: true, changeKey: '', modifiedMs: 0, seq: 0 };
      Object.assign(override, { cancelled: true, changeKey: newChangeKey(), modifiedMs: Date.now(), seq: this.nextSeq() });
      master.exceptions.set(found.item.id, override);
      this.tombstone(master.calendarId, found.item.id);
      this.emit({ calendarId: master.calendarId, eventId: master.id, changeType: 'updated' });
      return true;
    }
    const event = found.event;
    this.events.delete(event.id);
    this.eventsByCalendar.get(event.calendarId)!.delete(event.id);
    this.tombstone(event.calendarId, event.id);
    if (event.recurrence) for (const occ of this.allOccurrenceIds(event)) this.tombstone(event.calendarId, occ);
    this.emit({ calendarId: event.calendarId, eventId: event.id, changeType: 'deleted' });
    return true;
  }

  private allOccurrenceIds(master: StoredEvent): string[] {
    return occurrenceStarts(master, Math.max(Date.now(), master.startMs) + TOMBSTONE_HORIZON_MS).map((s) => occurrenceId(master.id, s));
  }

  private tombstone(calendarId: string, id: string): void {
    this.tombstones.get(calendarId)!.push({ id, seq: this.nextSeq() });
  }

  tombstonesSince(calendarId: string, seq: number): Tombstone[] {
    return this.tombstones.get(calendarId)!.filter((t) => t.seq > seq);
  }

  /** calendarView: singles and occurrences overlapping [fromMs, toMs); never series masters. */
  view(calendarId: string, fromMs: number, toMs: number, sinceSeq = 0): ViewItem[] {
    const items: ViewItem[] = [];
    for (const event of this.eventsByCalendar.get(calendarId)!.values()) {
      if (event.seq <= sinceSeq && !event.recurrence) continue;
      if (event.recurrence) {
        for (const item of expandSeries(event, fromMs, toMs)) if (item.seq > sinceSeq) items.push(item);
      } else if (event.endMs > fromMs && event.startMs < toMs) {
        items.push({ id: event.id, event, occurrence: null, startMs: event.startMs, endMs: event.endMs, startLocal: event.startLocal, endLocal: event.endLocal, seq: event.seq });
      }
    }
    return items;
  }

  /** Events and moved occurrences changed since `seq` that are not (or no longer) in the window: delta reports them removed. */
  leftWindowSince(calendarId: string, fromMs: number, toMs: number, sinceSeq: number): string[] {
    const ids: string[] = [];
    const outside = (startMs: number, endMs: number) => !(endMs > fromMs && startMs < toMs);
    for (const event of this.eventsByCalendar.get(calendarId)!.values()) {
      if (event.recurrence) {
        for (const [id, o] of event.exceptions) {
          if (!o.cancelled && o.seq > sinceSeq && o.startMs !== undefined && outside(o.startMs, o.endMs!)) ids.push(id);
        }
      } else if (event.seq > sinceSeq && outside(event.startMs, event.endMs)) ids.push(event.id);
    }
    return ids;
  }

  // ---- delta token generations (expiring cursors) ----

  deltaGenerationOf(calendarId: string): number {
    return this.deltaGeneration.get(calendarId) ?? 0;
  }

  /** Every delta token issued so far for these calendars (default: all of the account's) stops working. */
  expireDeltaTokens(accountRef: string, calendarId?: string): void {
    const ids = calendarId ? [calendarId] : this.calendarsOf(this.account(accountRef).id).map((c) => c.id);
    for (const id of ids) this.deltaGeneration.set(id, this.deltaGenerationOf(id) + 1);
  }

  // ---- tokens ----

  expireAccessTokens(accountRef: string): void {
    const { id } = this.account(accountRef);
    for (const t of this.accessTokens.values()) if (t.accountId === id) t.expiresAtMs = 0;
  }

  /** Like a password reset or an admin revoking sessions: refresh tokens answer invalid_grant. */
  revokeGrants(accountRef: string): void {
    const { id } = this.account(accountRef);
    for (const t of this.refreshTokens.values()) if (t.accountId === id) t.revoked = 'revoked';
  }

  private emit(notice: ChangeNotice): void {
    this.changes.emit('change', notice);
  }
}
