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
import { registerSyncJobs } from './sync-jobs';
import { SyncScheduler } from './sync-scheduler';
import { defaultSyncPolicy, SyncPolicy } from './sync-state-machine';
import { AccessService } from '../app/auth/access.service';
import { ConflictEvents } from '../realtime/conflict-events';

/** Knobs of the sync engine that tests (and benchmarks) turn; production uses the defaults. */
export interface SyncTuning {
  policy?: Partial<SyncPolicy>;
  /** Items per provider page. */
  pageSize?: number;
  /** Events per write transaction (default 2000; 1 writes every page on its own). */
  writeBatchRows?: number;
  leaseSeconds?: number;
  /** A full sync refreshes the calendar list unless it was listed within this many seconds (default 60). */
  listFreshSeconds?: number;
  /** Wraps every provider call of the jobs (throttling plugs in here). */
  calls?: ProviderCalls;
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
  push: PushChannelService;
  window: () => SyncWindow;
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
  const scheduler = new SyncScheduler(ds, jobs, status);
  const conflicts = new ConflictNotifier(ds, d.conflictEvents);
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
    policy: { ...defaultSyncPolicy, ...tuning.policy },
    pageSize: tuning.pageSize,
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
  });
  return { scheduler, status, conflicts, calendarSync, externalEvents: new ExternalEventsService(ds, d.access) };
}

export type SyncServices = ReturnType<typeof createSyncServices>;
