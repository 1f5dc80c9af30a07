// A seeded, randomized convergence scenario (test/sync/convergence.test.ts runs it small, the benchmark larger):
// two service instances share one database; Outlook and Google accounts are connected; each round edits the
// providers' calendars at random (every kind of edit a user makes, series included), injects faults (429 with
// Retry-After, 503, dropped connections, expired cursors, 401 in the middle of paging), some of them from inside
// a running sync, and triggers syncs by push, poll, tick or resync. After the work drains, every calendar's stored
// events must equal a full read of the provider (no event missing, extra, stale or twice), and each instance's
// externalEvents must show them; no calendar may ever be synced by two workers at once.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { FaultInput as OutlookFault } from '../../emulators/microsoft/faults';
import type { Fault as GoogleFault } from '../../emulators/google/fault-injector';
import type { Recurrence } from '../../emulators/microsoft/microsoft-model';
import { ExternalEventsDocument, Provider } from '../generated/graphql';
import { ConnectFlow, Emulators, startEmulators, uniqueEmail } from './connect-flow';
import { insertAgency, insertLocation, insertUser } from './fixtures';
import { defaultWindow, difference, storedLines, truthReader, TruthReader } from './provider-truth';
import { startTestApp, TestApp } from './test-app';

export interface ConvergenceOptions {
  seed: number;
  rounds: number;
  /** Accounts (one selected calendar each) per provider. */
  accountsPerProvider: number;
  /** Edits per calendar per round, at most. */
  maxEditsPerRound: number;
  /** How long a round may take to converge once its edits are made. */
  settleTimeoutMs: number;
  /**
   * At most this many times a worker stalls after writing a page, past its lease (a GC pause, a hung socket): the
   * other syncs of that calendar must wait for the lease to run out, then take over (the tick resumes it), and the
   * stalled sync must write nothing more.
   */
  stalls: number;
  /** Database for both instances (default: a fresh test database). */
  databaseUrl?: string;
  /** Progress lines, one per round (stderr in the benchmark). */
  log?: (line: string) => void;
  /** Every sync's start and end, and each settling attempt (to see where a round's time goes). */
  trace?: (line: string) => void;
}

export interface ConvergenceResult {
  ok: boolean;
  seed: number;
  rounds: number;
  edits: number;
  faults: number;
  /** Syncs started per instance. */
  syncs: [number, number];
  editsByKind: Record<string, number>;
  faultsByKind: Record<string, number>;
  /** Two syncs of one calendar at once, other than a takeover of a stalled one's calendar (must stay empty). */
  overlaps: string[];
  /** Stalls past the lease, and how many of them another sync took over while the stalled one waited. */
  stalls: number;
  takeovers: number;
  failure?: string;
}

/** mulberry32: small, fast, good enough to drive a scenario from a seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Dice {
  constructor(readonly next: () => number) {}
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  weighted<T extends string>(entries: ReadonlyArray<readonly [T, number]>): T {
    const total = entries.reduce((s, [, w]) => s + w, 0);
    let r = this.next() * total;
    for (const [v, w] of entries) if ((r -= w) < 0) return v;
    return entries[entries.length - 1][0];
  }
}

// ---- time: whole days from today (UTC), kept clear of the window's edges (7 days back, 180 ahead) ----
const DAY = 86_400_000;
const today = () => Math.floor(Date.now() / DAY) * DAY;
const atDay = (day: number, hour: number, minute = 0) => new Date(today() + day * DAY + hour * 3_600_000 + minute * 60_000);
const ymd = (day: number) => new Date(today() + day * DAY).toISOString().slice(0, 10);
/** Wall-clock time `minutes` after `hour` on `day`, as "YYYY-MM-DDTHH:MM:00" (for an event in a named zone). */
const wall = (day: number, hour: number, minutes = 0) => new Date(today() + day * DAY + hour * 3_600_000 + minutes * 60_000).toISOString().slice(0, 19);
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const weekday = (day: number) => new Date(today() + day * DAY).getUTCDay();

interface SeriesSpec {
  freq: 'daily' | 'weekly' | 'monthly';
  startDay: number;
  hour: number;
  minutes: number;
  zone: number;
  count: number;
  /** Ends on this day instead of after `count`. */
  untilDay?: number;
}

interface Patch {
  title?: string;
  start?: Date;
  end?: Date;
  /** Free (Outlook: a random non-busy showAs, sometimes tentative). */
  free?: boolean;
}

type FaultKind = 'throttle' | 'throttle403' | 'unavailable' | 'unavailableRetryAfter' | 'unauthorized' | 'refreshFails' | 'cursorExpired' | 'drop' | 'dropAfterProcessing' | 'delay' | 'expireCursor';
const FAULTS: ReadonlyArray<readonly [FaultKind, number]> = [
  ['throttle', 2],
  ['throttle403', 1],
  ['unavailable', 2],
  ['unavailableRetryAfter', 1],
  ['unauthorized', 2],
  ['refreshFails', 1],
  ['cursorExpired', 1.5],
  ['expireCursor', 1],
  ['drop', 1.5],
  ['dropAfterProcessing', 1],
  ['delay', 1],
];

/** What a user (and the provider's bad days) can do to one calendar, per provider. */
interface ProviderOps {
  createTimed(title: string, start: Date, end: Date, free: boolean): string;
  createAllDay(title: string, day: number, days: number, free: boolean): string;
  patch(id: string, p: Patch): void;
  remove(id: string): void;
  createSeries(title: string, s: SeriesSpec): string;
  reshapeSeries(masterId: string, s: SeriesSpec): void;
  fault(kind: FaultKind, times: number): void;
}

interface CalendarUnderTest {
  provider: Provider;
  login: string;
  externalId: string;
  connectionId: string;
  calendarId: string;
  userId: string;
  ops: ProviderOps;
  truth: TruthReader;
  singles: Set<string>;
  series: Map<string, SeriesSpec>;
  /** Occurrence ids of the last truth read. */
  occurrences: string[];
}

const OUTLOOK_ZONES = ['UTC', 'W. Europe Standard Time', 'Pacific Standard Time', 'Tokyo Standard Time'];
const GOOGLE_ZONES = ['UTC', 'Europe/Berlin', 'America/Los_Angeles', 'Asia/Tokyo'];
const SHOW_AS_FREE = ['free', 'tentative', 'workingElsewhere'] as const;
const SHOW_AS_BUSY = ['busy', 'oof'] as const;

function outlookOps(emu: Emulators, calendarId: string, login: string, dice: () => Dice): ProviderOps {
  const state = emu.microsoft.state;
  const showAs = (free: boolean) => dice().pick(free ? SHOW_AS_FREE : SHOW_AS_BUSY);
  const recurrence = (s: SeriesSpec): Recurrence => {
    const startDate = ymd(s.startDay);
    const pattern: Recurrence['pattern'] =
      s.freq === 'daily'
        ? { type: 'daily', interval: 1 }
        : s.freq === 'weekly'
          ? { type: 'weekly', interval: 1, daysOfWeek: [WEEKDAYS[weekday(s.startDay)], WEEKDAYS[(weekday(s.startDay) + 3) % 7]], firstDayOfWeek: 'sunday' }
          : { type: 'absoluteMonthly', interval: 1, dayOfMonth: Number(startDate.slice(8, 10)) };
    const range: Recurrence['range'] = s.untilDay !== undefined ? { type: 'endDate', startDate, endDate: ymd(s.untilDay) } : { type: 'numbered', startDate, numberOfOccurrences: s.count };
    return { pattern, range };
  };
  const times = (s: SeriesSpec) => ({ start: { dateTime: wall(s.startDay, s.hour), timeZone: OUTLOOK_ZONES[s.zone] }, end: { dateTime: wall(s.startDay, s.hour, s.minutes), timeZone: OUTLOOK_ZONES[s.zone] } });
  const route = 'GET /v1.0/me/calendars/*/calendarView/delta';
  return {
    createTimed: (title, start, end, free) =>
      state.createEvent(calendarId, { subject: title, start: { dateTime: start.toISOString(), timeZone: 'UTC' }, end: { dateTime: end.toISOString(), timeZone: 'UTC' }, showAs: showAs(free) }).event.id,
    createAllDay: (title, day, days, free) =>
      state.createEvent(calendarId, {
        subject: title,
        isAllDay: true,
        start: { dateTime: `${ymd(day)}T00:00:00`, timeZone: OUTLOOK_ZONES[2] },
        end: { dateTime: `${ymd(day + days)}T00:00:00`, timeZone: OUTLOOK_ZONES[2] },
        showAs: showAs(free),
      }).event.id,
    patch: (id, p) =>
      void state.updateEvent(id, {
        ...(p.title !== undefined ? { subject: p.title } : {}),
        ...(p.start ? { start: { dateTime: p.start.toISOString(), timeZone: 'UTC' } } : {}),
        ...(p.end ? { end: { dateTime: p.end.toISOString(), timeZone: 'UTC' } } : {}),
        ...(p.free !== undefined ? { showAs: showAs(p.free) } : {}),
      }),
    remove: (id) => void state.deleteEvent(id),
    createSeries: (title, s) => state.createEvent(calendarId, { subject: title, ...times(s), recurrence: recurrence(s), showAs: 'busy' }).event.id,
    reshapeSeries: (id, s) => void state.updateEvent(id, { ...times(s), recurrence: recurrence(s) }),
    fault: (kind, times) => {
      const at = { account: login, route, times };
      const spec: Record<Exclude<FaultKind, 'expireCursor' | 'refreshFails'>, OutlookFault> = {
        throttle: { kind: 'throttle', retryAfterSeconds: 1, ...at },
        throttle403: { kind: 'throttle', retryAfterSeconds: 1, ...at },
        unavailable: { kind: 'unavailable', status: 503, ...at },
        unavailableRetryAfter: { kind: 'unavailable', status: 503, retryAfterSeconds: 1, ...at },
        unauthorized: { kind: 'tokenExpired', ...at },
        cursorExpired: { kind: 'cursorExpired', variant: dice().pick(['gone', 'syncStateNotFound', 'resyncRequired'] as const), ...at },
        drop: { kind: 'drop', ...at },
        dropAfterProcessing: { kind: 'dropAfterProcessing', ...at },
        delay: { kind: 'delay', ms: 150, ...at },
      };
      if (kind === 'expireCursor') state.expireDeltaTokens(login, calendarId);
      else if (kind === 'refreshFails') {
        // A 401, and the refresh it leads to fails once (before the token endpoint processed it: the grant stays good).
        emu.microsoft.addFault(spec.unauthorized);
        emu.microsoft.addFault({ kind: dice().pick(['unavailable', 'drop'] as const), route: /^POST \/[^/]+\/oauth2\/v2\.0\/token$/, times: 1 });
      } else emu.microsoft.addFault(spec[kind]);
    },
  };
}

function googleOps(emu: Emulators, email: string, dice: () => Dice): ProviderOps {
  const state = emu.google.state;
  const rrule = (s: SeriesSpec) => {
    const end = s.untilDay !== undefined ? `UNTIL=${ymd(s.untilDay).replace(/-/g, '')}T235959Z` : `COUNT=${s.count}`;
    const byDay = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];
    const rule =
      s.freq === 'daily'
        ? 'FREQ=DAILY'
        : s.freq === 'weekly'
          ? `FREQ=WEEKLY;BYDAY=${byDay[weekday(s.startDay)]},${byDay[(weekday(s.startDay) + 3) % 7]}`
          : `FREQ=MONTHLY;BYMONTHDAY=${Number(ymd(s.startDay).slice(8, 10))}`;
    return [`RRULE:${rule};${end}`];
  };
  const times = (s: SeriesSpec) => ({ start: { dateTime: wall(s.startDay, s.hour), timeZone: GOOGLE_ZONES[s.zone] }, end: { dateTime: wall(s.startDay, s.hour, s.minutes), timeZone: GOOGLE_ZONES[s.zone] } });
  const route = `/calendars/${encodeURIComponent(email)}/events`;
  return {
    createTimed: (title, start, end, free) =>
      state.insertEvent(email, { summary: title, start: { dateTime: start.toISOString() }, end: { dateTime: end.toISOString() }, transparency: free ? 'transparent' : 'opaque' }).id,
    createAllDay: (title, day, days, free) => state.insertEvent(email, { summary: title, start: { date: ymd(day) }, end: { date: ymd(day + days) }, transparency: free ? 'transparent' : 'opaque' }).id,
    patch: (id, p) =>
      void state.patchEvent(email, id, {
        ...(p.title !== undefined ? { summary: p.title } : {}),
        ...(p.start ? { start: { dateTime: p.start.toISOString() } } : {}),
        ...(p.end ? { end: { dateTime: p.end.toISOString() } } : {}),
        ...(p.free !== undefined ? { transparency: p.free ? 'transparent' : 'opaque' } : {}),
      }),
    remove: (id) => state.deleteEvent(email, id),
    createSeries: (title, s) => state.insertEvent(email, { summary: title, ...times(s), recurrence: rrule(s) }).id,
    reshapeSeries: (id, s) => void state.patchEvent(email, id, { ...times(s), recurrence: rrule(s) }),
    fault: (kind, times) => {
      const spec: Record<Exclude<FaultKind, 'expireCursor' | 'refreshFails'>, GoogleFault> = {
        throttle: { type: 'rateLimit', retryAfterSec: 1 },
        throttle403: { type: 'rateLimit', status: 403, reason: 'userRateLimitExceeded', retryAfterSec: 1 },
        unavailable: { type: 'unavailable' },
        unavailableRetryAfter: { type: 'unavailable', retryAfterSec: 1 },
        unauthorized: { type: 'unauthorized' },
        cursorExpired: { type: 'syncTokenExpired' },
        drop: { type: 'drop' },
        dropAfterProcessing: { type: 'dropAfterProcessing' },
        delay: { type: 'delay', ms: 150 },
      };
      if (kind === 'expireCursor') state.expireSyncTokens(email);
      else if (kind === 'refreshFails') {
        // A 401, and the refresh (of a rotating refresh token) fails once before Google processed it.
        emu.google.faults.add({ fault: spec.unauthorized, route, method: 'GET', account: email, times: 1 });
        emu.google.faults.add({ fault: dice().pick([{ type: 'unavailable' }, { type: 'drop' }] as const), route: '/token', method: 'POST', times: 1 });
      } else emu.google.faults.add({ fault: spec[kind], route, method: 'GET', account: email, times });
    },
  };
}

type EditKind =
  | 'create'
  | 'createAllDay'
  | 'moveTime'
  | 'retitle'
  | 'freeBusy'
  | 'delete'
  | 'leaveWindow'
  | 'seriesCreate'
  | 'occurrenceMove'
  | 'occurrenceCancel'
  | 'occurrenceRetitle'
  | 'seriesShorten'
  | 'seriesRetime'
  | 'seriesDelete';
const EDITS: ReadonlyArray<readonly [EditKind, number]> = [
  ['create', 3],
  ['createAllDay', 1],
  ['moveTime', 2],
  ['retitle', 1.5],
  ['freeBusy', 1.5],
  ['delete', 1.5],
  ['leaveWindow', 0.6],
  ['seriesCreate', 1.2],
  ['occurrenceMove', 1],
  ['occurrenceCancel', 1],
  ['occurrenceRetitle', 0.6],
  ['seriesShorten', 1],
  ['seriesRetime', 0.6],
  ['seriesDelete', 0.5],
];

const LEASE_SECONDS = 2;
const STALL_MS = LEASE_SECONDS * 1000 + 3000;
/** A lease ends `LEASE_SECONDS` after the database's clock at its last renewal, which came a little before the hook saw it. */
const LEASE_SLACK_MS = 300;

/** One sync of one calendar, from its start to its end. */
interface TrackedSync {
  no: number;
  calendarId: string;
  /** When its lease was last taken or extended (start, each write). */
  leaseRenewedAt: number;
  stalled: boolean;
  /** Another sync started while its lease had run out. */
  takenOver: boolean;
}
/** The sync whose async context this is (entered when it starts). */
const current = new AsyncLocalStorage<TrackedSync>();

/** The emulators' "no such event" (deleted meanwhile, or an occurrence its series no longer has). */
const isGone = (err: unknown) => [404, 410].includes((err as { status?: number }).status ?? 0);

export async function runConvergence(o: ConvergenceOptions): Promise<ConvergenceResult> {
  const log = o.log ?? (() => undefined);
  const trace = o.trace ?? (() => undefined);
  const dice = new Dice(seededRandom(o.seed));
  // Decisions taken inside running syncs come from their own sequence (their timing is not the seed's).
  const hookDice = new Dice(seededRandom(o.seed ^ 0x5eed));
  const result: ConvergenceResult = { ok: false, seed: o.seed, rounds: 0, edits: 0, faults: 0, syncs: [0, 0], editsByKind: {}, faultsByKind: {}, overlaps: [], stalls: 0, takeovers: 0 };
  // Google rotates refresh tokens (as Microsoft does): two instances must never race one; Graph re-sends a failed
  // notification after moments, not minutes.
  const emu = await startEmulators({ google: { rotateRefreshTokens: true }, microsoft: { notificationRetryDelaysMs: [200, 1000, 3000] } });
  const apps: TestApp[] = [];
  const calendars: CalendarUnderTest[] = [];
  try {
    const tuning = {
      // A short lease, the periodic tick (polls, and syncs whose lease ran out) every second, and follow-up syncs after
      // half a second (not 2 s: rounds go faster).
      sync: { pageSize: 3, writeBatchRows: 1, tickSeconds: 1, leaseSeconds: LEASE_SECONDS, followUpSeconds: 0.5, policy: { baseBackoffMs: 200, maxBackoffMs: 1000 } },
      // Retry-After (1 s) is above the in-call budget: the job is deferred, as with a real Retry-After.
      providerRetry: { maxAttempts: 3, baseDelayMs: 20, maxWaitMs: 300 },
    };
    trace('emulators started');
    apps.push(await startTestApp(emu.env, o.databaseUrl, tuning));
    trace('first instance started');
    apps.push(await startTestApp(emu.env, apps[0].app.config.DATABASE_URL!, tuning));
    const [a] = apps;
    const ds = a.app.ds;

    // A calendar is never synced by two workers at once: a sync starts only when no other sync of the calendar holds
    // a live lease (the one before it ended, or stalled past its lease: then it is taken over), and a sync that was
    // taken over writes nothing more. Each sync is followed through its async context (both instances report here).
    const syncs: TrackedSync[] = [];
    let syncSeq = 0;
    apps.forEach((t, i) => {
      const hooks = t.app.services.syncServices.calendarSync.hooks;
      hooks.started = (id) => {
        result.syncs[i]++;
        const now = Date.now();
        for (const other of syncs.filter((x) => x.calendarId === id)) {
          const age = now - other.leaseRenewedAt;
          if (age < LEASE_SECONDS * 1000 - LEASE_SLACK_MS) result.overlaps.push(`${id}: sync ${syncSeq + 1} started on instance ${i} while sync ${other.no} holds a lease renewed ${age} ms ago`);
          else other.takenOver = true;
        }
        const sync: TrackedSync = { no: ++syncSeq, calendarId: id, leaseRenewedAt: now, stalled: false, takenOver: false };
        syncs.push(sync);
        current.enterWith(sync);
        trace(`    sync ${sync.no} start ${id.slice(0, 8)} on ${i}`);
      };
      hooks.duringWrite = async (id) => {
        const sync = current.getStore();
        if (!sync) return;
        // Inside the write's transaction, its lease just extended: a sync taken over must never get here.
        if (syncs.some((x) => x.calendarId === id && x.no > sync.no) || sync.takenOver) result.overlaps.push(`${id}: sync ${sync.no} wrote after another sync took the calendar over`);
        sync.leaseRenewedAt = Date.now();
      };
      hooks.ended = (id) => {
        const sync = current.getStore();
        if (sync) syncs.splice(syncs.indexOf(sync), 1);
        trace(`    sync ${sync?.no} end ${id.slice(0, 8)} on ${i}`);
      };
      hooks.busy = (id) => trace(`    busy ${id.slice(0, 8)} on ${i}`);
    });

    const agencyId = await insertAgency(ds);
    const locationId = await insertLocation(ds, agencyId, 'Convergence');
    const flow = new ConnectFlow(a, emu);
    for (const provider of ['OUTLOOK', 'GOOGLE'] as const) {
      for (let n = 0; n < o.accountsPerProvider; n++) {
        const userId = await insertUser(ds, agencyId, 'ACCOUNT', 'USER', [locationId]);
        let login: string;
        let externalId: string;
        let ops: ProviderOps;
        if (provider === 'OUTLOOK') {
          const acc = emu.microsoft.addAccount({ email: uniqueEmail('conv', 'contoso-conv.test') });
          login = acc.userPrincipalName;
          externalId = acc.defaultCalendarId;
          ops = outlookOps(emu, externalId, login, () => dice);
        } else {
          const acc = emu.google.addAccount({ email: uniqueEmail('conv', 'gmail.test'), timeZone: 'America/New_York' });
          login = acc.email;
          externalId = acc.email;
          ops = googleOps(emu, login, () => dice);
        }
        const conn = await flow.connected(userId, locationId, provider, login);
        const calendarId = conn.calendars.find((c) => c.isDefault)!.id;
        calendars.push({ provider, login, externalId, connectionId: conn.id, calendarId, userId, ops, truth: await truthReader(emu, provider, login), singles: new Set(), series: new Map(), occurrences: [] });
      }
    }

    log(`connected ${calendars.length} calendars`);
    let titleSeq = 0;
    const title = () => `E${++titleSeq}`;
    const count = (into: Record<string, number>, kind: string) => void (into[kind] = (into[kind] ?? 0) + 1);

    const randomSeries = (d: Dice): SeriesSpec => ({
      freq: d.weighted([['daily', 1], ['weekly', 1], ['monthly', 0.6]] as const),
      startDay: d.int(-4, 50),
      hour: d.int(0, 21),
      minutes: d.pick([30, 45, 60, 90]),
      zone: d.int(0, 3),
      count: d.int(2, 6),
    });

    /** One random edit of the calendar at the provider (skipped when its target was gone meanwhile). */
    const edit = (c: CalendarUnderTest, d: Dice): void => {
      let kind = d.weighted(EDITS);
      const singles = [...c.singles];
      const masters = [...c.series.keys()];
      const needs: Partial<Record<EditKind, number>> = {
        moveTime: singles.length, retitle: singles.length + c.occurrences.length, freeBusy: singles.length + c.occurrences.length, delete: singles.length, leaveWindow: singles.length,
        occurrenceMove: c.occurrences.length, occurrenceCancel: c.occurrences.length, occurrenceRetitle: c.occurrences.length,
        seriesShorten: masters.length, seriesRetime: masters.length, seriesDelete: masters.length,
      };
      if (needs[kind] === 0) kind = 'create';
      const anyEvent = () => (d.chance(singles.length / (singles.length + c.occurrences.length)) ? d.pick(singles) : d.pick(c.occurrences));
      const someTime = () => {
        const start = atDay(d.int(-5, 90), d.int(0, 22), d.pick([0, 15, 30]));
        return { start, end: new Date(start.getTime() + d.pick([15, 30, 60, 120, 180]) * 60_000) };
      };
      try {
        switch (kind) {
          case 'create': {
            const t = someTime();
            c.singles.add(c.ops.createTimed(title(), t.start, t.end, d.chance(0.25)));
            break;
          }
          case 'createAllDay':
            c.singles.add(c.ops.createAllDay(title(), d.int(-4, 90), d.int(1, 3), d.chance(0.5)));
            break;
          case 'moveTime':
            c.ops.patch(d.pick(singles), someTime());
            break;
          case 'retitle':
            c.ops.patch(anyEvent(), { title: title() });
            break;
          case 'freeBusy':
            c.ops.patch(anyEvent(), { free: d.chance(0.5) });
            break;
          case 'delete': {
            const id = d.pick(singles);
            c.singles.delete(id);
            c.ops.remove(id);
            break;
          }
          case 'leaveWindow': {
            // Far ahead, past the window's end (and back later, by a move).
            const start = atDay(d.int(200, 260), 10);
            c.ops.patch(d.pick(singles), { start, end: new Date(start.getTime() + 3_600_000) });
            break;
          }
          case 'seriesCreate': {
            const s = randomSeries(d);
            c.series.set(c.ops.createSeries(title(), s), s);
            break;
          }
          case 'occurrenceMove': {
            const t = someTime();
            c.ops.patch(d.pick(c.occurrences), d.chance(0.3) ? { ...t, title: title() } : t);
            break;
          }
          case 'occurrenceCancel':
            c.ops.remove(d.pick(c.occurrences));
            break;
          case 'occurrenceRetitle':
            c.ops.patch(d.pick(c.occurrences), { title: title() });
            break;
          case 'seriesShorten': {
            const id = d.pick(masters);
            const s = c.series.get(id)!;
            const shorter: SeriesSpec = d.chance(0.5) || s.untilDay !== undefined ? { ...s, untilDay: undefined, count: Math.max(1, s.count - d.int(1, 3)) } : { ...s, untilDay: s.startDay + d.int(0, 10) };
            c.series.set(id, shorter);
            c.ops.reshapeSeries(id, shorter);
            break;
          }
          case 'seriesRetime': {
            const id = d.pick(masters);
            const s = { ...c.series.get(id)!, hour: d.int(0, 21), count: d.int(2, 6), untilDay: undefined };
            c.series.set(id, s);
            c.ops.reshapeSeries(id, s);
            break;
          }
          case 'seriesDelete': {
            const id = d.pick(masters);
            c.series.delete(id);
            c.ops.remove(id);
            break;
          }
        }
        result.edits++;
        count(result.editsByKind, kind);
      } catch (err) {
        if (!isGone(err)) throw err;
      }
    };

    const fault = (c: CalendarUnderTest, d: Dice) => {
      const kind = d.weighted(FAULTS);
      c.ops.fault(kind, d.int(1, 2));
      result.faults++;
      count(result.faultsByKind, `${c.provider.toLowerCase()}:${kind}`);
    };

    // Inside running syncs, between pages: the user edits on, the provider fails the next page, or the worker stalls.
    let hookBudget = 0;
    let stallsLeft = o.stalls;
    for (const t of apps) {
      t.app.services.syncServices.calendarSync.hooks.afterPage = async (id) => {
        const c = calendars.find((x) => x.calendarId === id);
        if (!c || hookBudget <= 0 || !hookDice.chance(0.35)) return;
        hookBudget--;
        if (hookDice.chance(0.6)) for (let i = hookDice.int(1, 2); i > 0; i--) edit(c, hookDice);
        if (hookDice.chance(0.5)) fault(c, hookDice);
        const sync = current.getStore();
        if (sync && stallsLeft > 0 && hookDice.chance(0.3)) {
          stallsLeft--;
          sync.stalled = true;
          trace(`    sync ${sync.no} stalls`);
          // Past the lease, and long enough for the tick to find it run out and another sync to take over.
          await new Promise((resolve) => setTimeout(resolve, STALL_MS));
          sync.stalled = false;
          result.stalls++;
          if (sync.takenOver) result.takeovers++;
          else result.overlaps.push(`${id}: nobody took over the calendar of sync ${sync.no}, stalled ${STALL_MS} ms past its ${LEASE_SECONDS} s lease`);
        }
      };
    }

    const window = () => defaultWindow();
    const readTruth = async () => Promise.all(calendars.map((c) => c.truth.read(c.externalId, window())));
    const readStored = async () => Promise.all(calendars.map((c) => storedLines(ds, c.connectionId, c.externalId)));
    const clearFaults = () => {
      emu.microsoft.faults.clear();
      emu.google.faults.clear();
    };

    /** The sync state of every calendar, its connection's, and the jobs left: for a failure's message. */
    const diagnostics = async () => {
      const states = await ds.query(
        `SELECT s.provider_calendar_id AS calendar, s.stage, s.consecutive_failures AS failures, s.last_error AS error, s.next_attempt_at AS "nextAttempt",
                s.lease_until AS "leaseUntil", s.cursor IS NOT NULL AS "hasCursor", c.status, c.pause_reason AS "pauseReason", c.sync_state AS "syncState", c.last_error AS "connectionError"
           FROM calendar_sync_states s JOIN connections c ON c.id = s.connection_id ORDER BY s.provider_calendar_id`,
      );
      const jobs = await ds.query(`SELECT name, state, singleton_key AS key, start_after AS "startAfter", retry_count AS retries FROM pgboss.job WHERE state IN ('created', 'retry', 'active') ORDER BY name`);
      return `sync states: ${JSON.stringify(states, null, 1)}\njobs: ${JSON.stringify(jobs)}`;
    };

    /** Waits until the work drains and every calendar equals the provider's truth; the difference when it does not. */
    const settle = async (round: number): Promise<string | null> => {
      const deadline = Date.now() + o.settleTimeoutMs;
      for (;;) {
        await Promise.all([emu.microsoft.subscriptions.idle(), emu.google.push.idle()]);
        trace(`  emulators idle`);
        await Promise.all(apps.map((t) => t.app.jobs.whenIdle(o.settleTimeoutMs)));
        trace(`  apps idle`);
        // Faults nobody hit would hit the truth reader (same account).
        clearFaults();
        const [truth, stored] = await Promise.all([readTruth(), readStored()]);
        const diffs = calendars.map((c, i) => (stored[i].join('\n') === truth[i].join('\n') ? null : `${c.provider} ${c.login}: ${difference(stored[i], truth[i])}`)).filter(Boolean);
        if (!diffs.length) {
          calendars.forEach((c, i) => (c.occurrences = truth[i].map((l) => l.split(' | ')).filter((f) => f[6]).map((f) => f[0])));
          return null;
        }
        trace(`  round ${round} not yet: ${diffs.join(' / ').slice(0, 300)}`);
        if (Date.now() > deadline) return `round ${round} did not converge within ${o.settleTimeoutMs} ms:\n${diffs.join('\n')}\n${await diagnostics()}`;
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    /** externalEvents through one instance, per user, over the next 60 days, equals the truth there. */
    const shownMatches = async (t: TestApp): Promise<string | null> => {
      const from = atDay(-5, 0);
      const to = atDay(55, 0);
      const truth = await readTruth();
      for (const [i, c] of calendars.entries()) {
        const r = await t.gql(ExternalEventsDocument, { locationId, from: from.toISOString(), to: to.toISOString() }, t.tokenFor(c.userId));
        if (r.errors) return `externalEvents failed: ${JSON.stringify(r.errors)}`;
        const shown = r.data!.externalEvents.map((e) => `${new Date(e.startTime).toISOString()} | ${new Date(e.endTime).toISOString()} | ${e.isAllDay ? 'all-day' : 'timed'} | ${e.availability} | ${e.title ?? ''}`).sort();
        const expected = truth[i]
          .map((l) => l.split(' | '))
          .filter((f) => new Date(f[2]) > from && new Date(f[1]) < to)
          .map((f) => f.slice(1, 6).join(' | '))
          .sort();
        if (shown.join('\n') !== expected.join('\n')) return `externalEvents of ${c.provider} ${c.login} on instance ${apps.indexOf(t)}: ${difference(shown, expected)}`;
      }
      return null;
    };

    for (let round = 1; round <= o.rounds; round++) {
      hookBudget = 2 + calendars.length;
      for (const c of calendars) {
        if (dice.chance(0.5)) fault(c, dice);
        for (let n = dice.int(1, o.maxEditsPerRound); n > 0; n--) edit(c, dice);
      }
      const trigger = dice.weighted([['push', 3], ['poll', 2], ['tick', 1.5], ['resync', 1]] as const);
      const by = dice.pick(apps);
      const ids = calendars.map((c) => c.calendarId);
      if (trigger === 'poll') await by.app.services.sync.syncCalendars(ids, { trigger: 'poll' });
      else if (trigger === 'resync') await by.app.services.sync.syncCalendars(dice.pick([ids, ids.slice(0, 1), ids.slice(-1)]), { full: true, trigger: 'resync' });
      else if (trigger === 'tick') {
        await ds.query(`UPDATE calendar_sync_states SET next_poll_at = now() - interval '1 second' WHERE provider_calendar_id = ANY($1::uuid[])`, [ids]);
        await by.app.services.syncServices.tick.run();
      }
      // Push: the edits' own notifications (Graph subscriptions, Google channels) bring the syncs; now and then Graph
      // also sends a lifecycle event (missed notifications, a subscription removed, reauthorization required).
      if (trigger === 'push') {
        for (const c of calendars.filter((x) => x.provider === 'OUTLOOK' && dice.chance(0.3))) {
          const subscription = [...emu.microsoft.state.subscriptions.values()].find((x) => x.calendarId === c.externalId);
          const event = dice.pick(['missed', 'subscriptionRemoved', 'reauthorizationRequired'] as const);
          if (!subscription) continue;
          await emu.microsoft.subscriptions.lifecycle(subscription.id, event);
          result.faults++;
          count(result.faultsByKind, `outlook:lifecycle:${event}`);
        }
      }
      const failed = await settle(round);
      hookBudget = 0;
      log(`round ${round}: ${trigger} via instance ${apps.indexOf(by)}; ${result.edits} edits, ${result.faults} faults so far; ${failed ? 'NOT converged' : 'converged'}`);
      result.rounds = round;
      if (failed) return { ...result, failure: failed };
      const shown = await shownMatches(dice.pick(apps));
      if (shown) return { ...result, failure: `round ${round}: ${shown}` };
    }
    for (const t of apps) {
      const shown = await shownMatches(t);
      if (shown) return { ...result, failure: shown };
    }
    result.ok = result.overlaps.length === 0;
    if (!result.ok) result.failure = `overlapping syncs, or a stalled one not taken over:\n${result.overlaps.join('\n')}`;
    return result;
  } finally {
    for (const c of calendars) c.truth.close();
    await Promise.all(apps.map((t) => t.stop()));
    await emu.close();
  }
}
