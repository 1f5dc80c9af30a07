import type { FeatureScope } from '../../tenancy/feature-hooks';

/** A typed job queue: its name, its payload, and how pg-boss keeps its jobs. */
export interface QueueDef<T> {
  name: string;
  /** A killed worker's job is failed by pg-boss after this long and retried. */
  expireInSeconds: number;
  /** pg-boss retries of a job that threw or expired (handled provider failures do not throw: the state machine reschedules them). */
  retryLimit: number;
  retryDelaySeconds: number;
  /** Jobs of one queue run at most this many at a time per worker process. */
  concurrency: number;
  /** Housekeeping that always exists (the periodic tick): not work a test waits for (`whenIdle`). */
  background?: boolean;
  /** Only the type: never read. */
  readonly payload?: T;
}

const queue = <T>(def: Omit<QueueDef<T>, 'payload'>): QueueDef<T> => def;

// Every queue uses pg-boss's `short` policy with a singleton key: at most one job per key waits to start,
// so a burst of requests for one calendar coalesces into the waiting job (plus, at most, the running one).

/** What made a calendar due for a sync (the sync-lag metric's label). */
export type SyncTrigger = 'push' | 'poll' | 'initial' | 'resync';

export interface CalendarSyncRequest {
  calendarId: string;
  trigger?: SyncTrigger;
  /** When it became due (notification received, poll due), ISO: the sync's lag is measured from it. */
  dueAt?: string;
  /** The retry of a failed sync (at Retry-After, or after its backoff). */
  retry?: boolean;
}

/** Bring one provider calendar up to date (full or incremental: the calendar's sync state decides). */
export const CALENDAR_SYNC = queue<CalendarSyncRequest>({ name: 'calendar-sync', expireInSeconds: 15 * 60, retryLimit: 5, retryDelaySeconds: 5, concurrency: 4 });
/** Refresh a connection's calendar list. */
export const CALENDAR_LIST = queue<{ connectionId: string }>({ name: 'calendar-list', expireInSeconds: 5 * 60, retryLimit: 5, retryDelaySeconds: 5, concurrency: 2 });
/** Bring a connection's push channels in line with its selection; `restart` replaces them all. */
export const PUSH_RECONCILE = queue<{ connectionId: string; restart?: boolean }>({ name: 'push-reconcile', expireInSeconds: 5 * 60, retryLimit: 5, retryDelaySeconds: 5, concurrency: 2 });
/** One push channel: `renew` before it expires (or when Graph asks to reauthorize it), `recreate` after the provider removed it. */
export const PUSH_CHANNEL = queue<{ connectionId: string; channelId: string; action: 'renew' | 'recreate' }>({ name: 'push-channel', expireInSeconds: 5 * 60, retryLimit: 5, retryDelaySeconds: 30, concurrency: 2 });
/** The periodic tick (one at a time across instances): due polls enqueue syncs, expiring push channels are renewed. */
export const SYNC_TICK = queue<Record<string, never>>({ name: 'sync-tick', expireInSeconds: 60, retryLimit: 1, retryDelaySeconds: 1, concurrency: 1, background: true });
/** Re-evaluate the connections a change of enabled features touched (plan catalogue, agency plan, location switch). */
export const FEATURE_REEVALUATION = queue<FeatureScope>({ name: 'feature-reevaluation', expireInSeconds: 5 * 60, retryLimit: 5, retryDelaySeconds: 5, concurrency: 1 });

/**
 * Bring the participants' provider events of one connection's calendars to their appointments' versions (the
 * outbox: src/sync/outbox); null: writes whose calendar is gone.
 */
export const OUTBOX_WRITE = queue<{ connectionId: string | null }>({ name: 'outbox-write', expireInSeconds: 5 * 60, retryLimit: 3, retryDelaySeconds: 5, concurrency: 16 });

/** Two-way sync: read an appointment's event by its id after a sync stopped seeing it (deleted, or only moved out of the window). */
export const OWN_EVENT_CHECK = queue<{ writeId: string }>({ name: 'own-event-check', expireInSeconds: 5 * 60, retryLimit: 5, retryDelaySeconds: 30, concurrency: 2 });

export const ALL_QUEUES: ReadonlyArray<QueueDef<unknown>> = [CALENDAR_SYNC, CALENDAR_LIST, PUSH_RECONCILE, PUSH_CHANNEL, SYNC_TICK, FEATURE_REEVALUATION, OUTBOX_WRITE, OWN_EVENT_CHECK] as ReadonlyArray<QueueDef<unknown>>;
