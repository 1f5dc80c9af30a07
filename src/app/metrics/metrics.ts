import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ProviderKind } from '../../providers/calendar-provider';
import type { ProviderRequestEvent } from '../../providers/shared/request-observer';
import { logger } from '../logging/logger';
import { countedWhileOpen } from './counted-iterator';
import { processRegistry } from './process-metrics';

// The service's Prometheus metrics, one registry per app instance (tests run many apps in one process;
// prom-client's global registry would collide). GET /metrics renders them with the process metrics.

export type SyncTrigger = 'push' | 'poll' | 'initial' | 'resync';
export type SyncKind = 'full' | 'incremental';
export type SyncOutcome = 'ok' | 'throttled' | 'failed' | 'cursor_expired' | 'needs_reauth' | 'gone' | 'busy';
export type WebhookResult = 'accepted' | 'rejected' | 'refused';

/** Waiting jobs by job name, from the job queue, read at scrape time. */
export type QueueDepthSource = () => Promise<Record<string, number>> | Record<string, number>;

const label = (p: ProviderKind) => p.toLowerCase();

export class Metrics {
  readonly registry = new Registry();

  /** Notification received or poll due → changes applied in PostgreSQL. */
  readonly syncLag = new Histogram({
    name: 'calbridge_sync_lag_seconds',
    help: 'Time from a push notification (or a poll falling due) to its changes being applied',
    labelNames: ['provider', 'trigger'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900],
    registers: [this.registry],
  });

  readonly syncs = new Counter({
    name: 'calbridge_syncs_total',
    help: 'Calendar syncs run, by provider, kind and outcome',
    labelNames: ['provider', 'kind', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly providerRequests = new Counter({
    name: 'calbridge_provider_requests_total',
    help: 'HTTP exchanges with the providers (API and token endpoints), by provider and status ("none": no answer)',
    labelNames: ['provider', 'status'] as const,
    registers: [this.registry],
  });

  readonly throttles = new Counter({
    name: 'calbridge_provider_throttles_total',
    help: 'Provider answers asking us to slow down (429; Google 403 rate-limit reasons)',
    labelNames: ['provider'] as const,
    registers: [this.registry],
  });

  readonly activeSubscriptions = new Gauge({
    name: 'calbridge_active_subscriptions',
    help: 'GraphQL subscriptions open on this instance',
    registers: [this.registry],
  });

  readonly webhookNotifications = new Counter({
    name: 'calbridge_webhook_notifications_total',
    help: 'Push notifications received: accepted (genuine), rejected (forged or unknown channel, acknowledged without effect), refused (request answered 400)',
    labelNames: ['provider', 'result'] as const,
    registers: [this.registry],
  });

  private readonly queueSources = new Set<QueueDepthSource>();

  readonly queueDepth = new Gauge({
    name: 'calbridge_job_queue_depth',
    help: 'Jobs waiting in the queue, by job name (read at scrape time)',
    labelNames: ['job'] as const,
    registers: [this.registry],
    collect: async () => {
      this.queueDepth.reset();
      for (const source of this.queueSources) {
        try {
          for (const [job, depth] of Object.entries(await source())) this.queueDepth.set({ job }, depth);
        } catch (err) {
          logger.warn({ err }, 'queue depth unavailable for /metrics');
        }
      }
    },
  });

  /** The job queue registers how to count its waiting jobs; returns the unregistration. */
  registerQueueDepth(source: QueueDepthSource): () => void {
    this.queueSources.add(source);
    return () => this.queueSources.delete(source);
  }

  /** The drivers' observer (ProviderRegistry's `onRequest`). */
  readonly observeProviderRequest = (e: ProviderRequestEvent): void => {
    this.providerRequests.inc({ provider: label(e.provider), status: e.status === null ? 'none' : String(e.status) });
    if (e.throttled) this.throttles.inc({ provider: label(e.provider) });
  };

  /** A sync applied: its lag from `dueAt` (notification received or poll due) and its outcome. */
  syncApplied(provider: ProviderKind, kind: SyncKind, trigger: SyncTrigger, dueAt: Date, appliedAt: Date = new Date()): void {
    this.syncLag.observe({ provider: label(provider), trigger }, Math.max(0, appliedAt.getTime() - dueAt.getTime()) / 1000);
    this.syncs.inc({ provider: label(provider), kind, outcome: 'ok' });
  }

  /** A sync that did not apply (its retry decision names the outcome). */
  syncFailed(provider: ProviderKind, kind: SyncKind, outcome: Exclude<SyncOutcome, 'ok'>): void {
    this.syncs.inc({ provider: label(provider), kind, outcome });
  }

  webhook(provider: ProviderKind, result: WebhookResult, count = 1): void {
    if (count > 0) this.webhookNotifications.inc({ provider: label(provider), result }, count);
  }

  /** Wraps a subscription's event stream so the gauge counts it while it is open. */
  countSubscription<T>(events: AsyncIterable<T>): AsyncIterable<T> {
    return countedWhileOpen(events, { open: () => this.activeSubscriptions.inc(), close: () => this.activeSubscriptions.dec() });
  }

  /** The Prometheus text exposition: this app's metrics, then the process's. */
  async render(): Promise<{ contentType: string; body: string }> {
    const [mine, processWide] = await Promise.all([this.registry.metrics(), processRegistry().metrics()]);
    return { contentType: this.registry.contentType, body: `${mine}\n${processWide}` };
  }
}
