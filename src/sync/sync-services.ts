import { DataSource } from 'typeorm';
import { Clock } from '../app/clock';
import { ConnectionEvents } from '../connections/connection-events';
import { ConnectionTokens } from '../connections/connection-tokens.service';
import { ProviderRegistry } from '../providers/provider-registry';
import { CalendarListService } from './calendar-list.service';
import { CalendarSyncService, SyncWindow } from './calendar-sync.service';
import { ConflictNotifier } from './conflict-notifier';
import { ConnectionSyncStatus } from './connection-sync-status.service';
import { ExternalEventsService } from './external-events.service';
import { FeatureReevaluationService } from './feature-reevaluation.service';
import { ConnectionLeaseRepository } from './jobs/connection-lease.repository';
import { JobQueue } from './jobs/job-queue';
import { directProviderCalls, ProviderCalls } from './provider-calls';
import { OwnEventObserver } from './own-event-observer';
import { PushChannelService } from './push-channel.service';
import { PushNoticeService } from './push-notice.service';
import { defaultRenewWithinSeconds, SyncTick, tickSecondsFor } from './sync-tick.service';
import { registerSyncJobs } from './sync-jobs';
import { SyncScheduler } from './sync-scheduler';
import { defaultSyncPolicy, SyncPolicy } from './sync-state-machine';
import { AccessService } from '../app/auth/access.service';
import type { Metrics } from '../app/metrics/metrics';
import { ConflictEvents } from '../realtime/conflict-events';

/**
 * Items asked for per provider page: Graph's calendarView/delta honours odata.maxpagesize up to 1000, Google's
 * events.list maxResults up to 2500. Few large pages: a page costs a round trip and a request slot of the mailbox.
 */
export const SYNC_PAGE_SIZE = 1000;

/** Knobs of the sync engine that tests (and benchmarks) turn; production uses the defaults. */
export interface SyncTuning {
  policy?: Partial<SyncPolicy>;
  /** Items per provider page (default SYNC_PAGE_SIZE). */
  pageSize?: number;
  /** Events per write transaction (default 2000; 1 writes every page on its own). */
  writeBatchRows?: number;
  leaseSeconds?: number;
  /** A full sync refreshes the calendar list unless it was listed within this many seconds (default 60). */
  listFreshSeconds?: number;
  /** Wraps every provider call of the jobs (throttling plugs in here). */
  calls?: ProviderCalls;
  /** How often the periodic tick (polls, push renewals) runs; default from SYNC_POLL_SECONDS (5 to 15 s); 0: never (tests counting statements). */
  tickSeconds?: number;
  /** How long a request for a calendar that is syncing waits, so a burst joins one follow-up (default 2 s). */
  followUpSeconds?: number;
}

export interface SyncServiceDeps {
  ds: DataSource;
  jobs: JobQueue;
  clock: Clock;
  access: AccessService;
  providers: ProviderRegistry;
  tokens: ConnectionTokens;
  events: ConnectionEvents;
  /** conflictsChanged, as booking publishes it. */
  conflictEvents: ConflictEvents;
  /** Sync lag and outcomes (GET /metrics). */
  metrics?: Metrics;
  push: PushChannelService;
  window: () => SyncWindow;
  /** SYNC_POLL_SECONDS and SYNC_SAFETY_POLL_SECONDS. */
  poll: { pollSeconds: number; safetyPollSeconds: number };
  tuning?: SyncTuning;
  /** A paused connection resumed (the outbox sends the writes it held). */
  onConnectionResumed?: (connectionId: string) => Promise<void>;
  /** Two-way sync of appointments (their events moved or deleted at the provider). */
  ownEvents?: OwnEventObserver;
}

/** The sync engine's services, wired once, with their job handlers registered. */
export function createSyncServices(d: SyncServiceDeps) {
  const { ds, jobs, events } = d;
  const tuning = d.tuning ?? {};
  const calls = tuning.calls ?? directProviderCalls;
  const status = new ConnectionSyncStatus(ds, events);
  const scheduler = new SyncScheduler(ds, jobs, status, d.clock, tuning.followUpSeconds);
  const tick = new SyncTick(ds, scheduler, d.clock, { ...d.poll, renewWithinSeconds: defaultRenewWithinSeconds, renewRetrySeconds: 600, batch: 500 });
  const conflicts = new ConflictNotifier(ds, d.conflictEvents);
  const policy: SyncPolicy = { ...defaultSyncPolicy, pollIntervalMs: d.poll.pollSeconds * 1000, safetyPollIntervalMs: d.poll.safetyPollSeconds * 1000, ...tuning.policy };
  const calendarSync = new CalendarSyncService({
    ds,
    providers: d.providers,
    tokens: d.tokens,
    calls,
    status,
    conflicts,
    scheduler,
    clock: d.clock,
    window: d.window,
    policy,
    // One set of knobs: the retry policy backs off as the sync policy says.
    retry: { baseDelayMs: policy.baseBackoffMs, maxDelayMs: policy.maxBackoffMs, minDelayMs: Math.min(500, policy.baseBackoffMs), errorAfterFailures: policy.errorAfterFailures },
    metrics: d.metrics,
    pageSize: tuning.pageSize ?? SYNC_PAGE_SIZE,
    writeBatchRows: tuning.writeBatchRows ?? 2000,
    leaseSeconds: tuning.leaseSeconds ?? 120,
    listFreshSeconds: tuning.listFreshSeconds ?? 60,
    ownEvents: d.ownEvents,
  });
  registerSyncJobs({
    ds,
    jobs,
    leases: new ConnectionLeaseRepository(ds),
    push: d.push,
    calendarSync,
    calendarLists: new CalendarListService({ ds, providers: d.providers, tokens: d.tokens, calls, events, conflicts, scheduler }),
    features: new FeatureReevaluationService(ds, scheduler, events, d.onConnectionResumed),
    scheduler,
    tick,
    tickSeconds: tuning.tickSeconds ?? tickSecondsFor(d.poll.pollSeconds),
  });
  const pushNotices = new PushNoticeService(ds, scheduler, d.clock);
  return { scheduler, status, conflicts, calendarSync, tick, pushNotices, externalEvents: new ExternalEventsService(ds, d.access) };
}

export type SyncServices = ReturnType<typeof createSyncServices>;
