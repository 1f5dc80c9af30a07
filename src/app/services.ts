import { DataSource } from 'typeorm';
import { AccessService } from './auth/access.service';
import { AppConfig } from './config/config';
import { AgencyService } from '../tenancy/agency.service';
import { LocationService } from '../tenancy/location.service';
import { FeatureHooks } from '../tenancy/feature-hooks';
import { MembershipHooks } from '../tenancy/membership-hooks';
import { PlanGateService } from '../tenancy/plan-gate.service';
import { PlanService } from '../tenancy/plan.service';
import { UserService } from '../tenancy/user.service';
import { CalendarService } from '../scheduling/calendar.service';
import { AvailabilityService } from '../scheduling/availability/availability.service';
import { SqlBusyTimeRepository } from '../scheduling/availability/busy-time.repository';
import { AppointmentRepository } from '../scheduling/booking/appointment.repository';
import { BookingService } from '../scheduling/booking/booking.service';
import { ProviderEditsService } from '../scheduling/booking/provider-edits.service';
import { ConflictEvents } from '../realtime/conflict-events';
import { PubSub } from '../realtime/pubsub';
import { RealtimeService } from '../realtime/realtime.service';
import { SocketGuard } from '../realtime/socket-guard';
import { SubscriptionHub } from '../realtime/subscription-hub';
import { ViewerCache } from '../realtime/viewer-cache';
import { CalendarConfigurationService } from '../configuration/calendar-configuration.service';
import { ConnectionEvents } from '../connections/connection-events';
import { ConnectionService } from '../connections/connection.service';
import { ConnectionTokens } from '../connections/connection-tokens.service';
import { OAuthStateService } from '../connections/oauth-state.service';
import { OAuthCallbackService } from '../connections/oauth-callback.service';
import { OAuthConfirmationRepository } from '../connections/oauth-confirmation.repository';
import { TokenCipher } from '../connections/token-cipher';
import { endpointsFromConfig } from '../providers/provider-endpoints.factory';
import { ProviderRegistry } from '../providers/provider-registry';
import type { RetryPolicy } from '../providers/shared/with-retries';
import { PushChannelService } from '../sync/push-channel.service';
import { JobQueue } from '../sync/jobs/job-queue';
import { createSyncServices, SyncTuning } from '../sync/sync-services';
import { Clock, systemClock } from './clock';
import { Metrics } from './metrics/metrics';
import { OutboxWriter, OutboxTuning } from '../sync/outbox/outbox-writer';
import { OutboxRunner, OutboxRunnerOptions } from '../sync/outbox/outbox-runner';
import { OwnEventCheck } from '../sync/outbox/own-event-check.service';
import { createMailboxSemaphore } from '../sync/throttle/mailbox-semaphore.factory';
import { MailboxProviderCalls } from '../sync/throttle/mailbox-provider-calls';
import { MailboxThrottle } from '../sync/throttle/mailbox-throttle';
import { ConflictFreshness } from '../sync/conflict-freshness.service';

export interface ServiceRuntime {
  /** The job queue: handlers are registered here; the app starts it. */
  jobs: JobQueue;
  /** The one time source of sync and scheduling (tests inject theirs, or set `services.clock.now`). */
  clock?: Clock;
  sync?: SyncTuning;
  outbox?: Partial<OutboxTuning & OutboxRunnerOptions>;
  /** The drivers' in-call retries. */
  providerRetry?: RetryPolicy;
}

/** The service singletons, wired once at start. */
export function createServices(ds: DataSource, pubsub: PubSub, config: AppConfig, runtime: ServiceRuntime) {
  const { jobs } = runtime;
  // Sync, availability and booking read now through it.
  const clock = runtime.clock ?? systemClock();
  const access = new AccessService(ds);
  const availability = new AvailabilityService(ds, access, new SqlBusyTimeRepository(ds), clock);
  const membershipHooks = new MembershipHooks();
  const featureHooks = new FeatureHooks();
  const planGate = new PlanGateService(ds);
  const cipher = new TokenCipher(config.TOKEN_ENCRYPTION_KEYS);
  const metrics = new Metrics();
  const providers = new ProviderRegistry(endpointsFromConfig(config), { onRequest: metrics.observeProviderRequest, retryPolicy: runtime.providerRetry });
  const events = new ConnectionEvents(pubsub);
  const tokens = new ConnectionTokens(ds, cipher, providers, events);
  // PUBLIC_URL may follow the bound port (set after listen), so it is read lazily.
  const publicUrl = () => config.PUBLIC_URL;
  const syncWindow = () => ({
    from: new Date(clock.now().getTime() - config.SYNC_WINDOW_PAST_DAYS * 86_400_000),
    to: new Date(clock.now().getTime() + config.SYNC_WINDOW_FUTURE_DAYS * 86_400_000),
  });
  const poll = { pollSeconds: config.SYNC_POLL_SECONDS, safetyPollSeconds: config.SYNC_SAFETY_POLL_SECONDS };
  // Every provider call of the jobs holds one of the mailbox's SYNC_MAILBOX_CONCURRENCY slots, over every instance.
  const mailboxes = createMailboxSemaphore(ds, { redisUrl: config.REDIS_URL, limit: config.SYNC_MAILBOX_CONCURRENCY });
  // A provider's Retry-After stops every call to that mailbox until it passes.
  const throttle = new MailboxThrottle(ds);
  const calls = new MailboxProviderCalls(mailboxes, { throttle });
  const push = new PushChannelService(ds, providers, tokens, publicUrl, { clock, pollSeconds: poll.pollSeconds, calls });
  // Appointment writes to the participants' linked calendars, as jobs (started and stopped with the app).
  // Each write's provider call holds a mailbox slot too; a job runs as many of a connection's writes at once as there are slots.
  const outbox = new OutboxRunner(
    ds,
    new OutboxWriter({ ds, providers, tokens, events, clock, calls, tuning: runtime.outbox }),
    jobs,
    { lanes: mailboxes.limit, ...runtime.outbox, work: config.PROCESS_ROLE !== 'api' && runtime.outbox?.work !== false },
    { semaphore: mailboxes, throttle },
  );
  const conflictEvents = new ConflictEvents(pubsub);
  const appointments = new AppointmentRepository(ds);
  // Two-way sync: the appointments' events moved or deleted at the provider (a vanished one is read by its id first).
  const ownEventCheck = new OwnEventCheck({ ds, providers, tokens, jobs, calls });
  const providerEdits = new ProviderEditsService(ds, appointments, conflictEvents, outbox, ownEventCheck);
  ownEventCheck.answerTo(providerEdits);
  const syncServices = createSyncServices({
    ds, jobs, clock, access, providers, tokens, events, conflictEvents, metrics, push, window: syncWindow, poll,
    tuning: { calls, leaseSeconds: config.SYNC_LEASE_SECONDS, ...runtime.sync },
    onConnectionResumed: (connectionId) => outbox.connectionActive(connectionId),
    ownEvents: providerEdits,
  });
  metrics.registerQueueDepth(() => jobs.depth());
  const sync = syncServices.scheduler;
  const connections = new ConnectionService({
    ds, access, planGate, providers, states: new OAuthStateService(ds, config.AUTH_JWT_SECRET, cipher), tokens, push, sync, conflicts: syncServices.conflicts, events, publicUrl,
    accountHint: config.OAUTH_ACCOUNT_HINT === 'true',
    onActive: (connectionId) => outbox.connectionActive(connectionId),
  });
  membershipHooks.register((tx, userId, locationIds) => connections.disconnectForMembership(tx, userId, locationIds));
  featureHooks.register((scope) => sync.reevaluateFeatures(scope));
  // Syncs before a booking (bounded wait); they may outlive it, and the app's stop ends them.
  const freshness = new ConflictFreshness(ds, syncServices.calendarSync, clock, { maxAgeSeconds: config.BOOKING_FRESHNESS_SECONDS, timeoutMs: config.BOOKING_FRESHNESS_TIMEOUT_MS });
  return {
    ds,
    pubsub,
    metrics,
    mailboxes,
    access,
    membershipHooks,
    featureHooks,
    providers,
    tokens,
    push,
    jobs,
    sync,
    syncServices,
    externalEvents: syncServices.externalEvents,
    events,
    connections,
    oauthCallbacks: new OAuthCallbackService(ds, connections, new OAuthConfirmationRepository(ds), cipher),
    planGate,
    plans: new PlanService(ds, featureHooks),
    agencies: new AgencyService(ds, access, featureHooks),
    locations: new LocationService(ds, access, membershipHooks, featureHooks),
    users: new UserService(ds, access, membershipHooks, pubsub),
    calendars: new CalendarService(ds, access),
    clock,
    availability,
    booking: new BookingService(
      ds, access, availability, appointments, conflictEvents, clock, outbox,
      freshness,
    ),
    freshness,
    outbox,
    configuration: new CalendarConfigurationService(ds, access, sync, syncServices.conflicts),
    realtime: new RealtimeService(access, new SubscriptionHub(pubsub, new ViewerCache(ds, config.REALTIME_ACCESS_TTL_MS))),
    sockets: new SocketGuard({ ds, pubsub, jwtSecret: config.AUTH_JWT_SECRET, recheckMs: config.REALTIME_SOCKET_RECHECK_MS }),
  };
}

export type Services = ReturnType<typeof createServices>;
