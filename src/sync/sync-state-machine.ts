// The sync state of one calendar, as a pure function: the current state and what happened → the next state.
// No I/O and no clock of its own (the caller passes `now`), so every path is unit-tested. When a failed sync is
// tried again is the retry policy's decision (throttle/retry-policy.ts), the one backoff rule: a failure carries it.

import type { CalendarAccessLevel } from '../providers/calendar-provider';

export type SyncStage = 'QUEUED' | 'SYNCING' | 'IDLE' | 'BACKOFF' | 'ERROR' | 'PAUSED';

export interface SyncStateFields {
  stage: SyncStage;
  consecutiveFailures: number;
  /** When a failed sync is tried again (null: not waiting for a retry). */
  nextAttemptAt: Date | null;
  /** When the calendar is due to be polled (null: not scheduled). */
  nextPollAt: Date | null;
  /** The last failure in plain words; null after a success. */
  lastError: string | null;
  lastFullSyncAt: Date | null;
  lastIncrementalSyncAt: Date | null;
}

export type SyncOutcome =
  /** A job was enqueued for it. */
  | { type: 'QUEUED' }
  /** A worker started it. */
  | { type: 'STARTED' }
  /** `pushActive`: a push channel covers the calendar, so it is polled only as a safety net. */
  | { type: 'SUCCEEDED'; full: boolean; pushActive?: boolean }
  /**
   * A provider failure (after the drivers' own bounded retries), with the retry policy's decision: when to try
   * again (Retry-After or backoff), the failures in a row, and whether the calendar shows as ERROR.
   */
  | { type: 'FAILED'; error: string; retry: { at: Date; consecutiveFailures: number; markError: boolean } }
  /** Not run for a reason of our own (every request slot of the mailbox taken): tried again at `until`, not a failure. */
  | { type: 'DEFERRED'; until: Date }
  /** The connection pauses (needs reauthorization, feature off): no retries until it resumes. */
  | { type: 'PAUSED' };

export interface SyncPolicy {
  /** The retry policy's backoff (first step, doubling per further failure, up to the max). */
  baseBackoffMs: number;
  maxBackoffMs: number;
  /** This many failures in a row show the calendar (and its connection) as ERROR; retries go on. */
  errorAfterFailures: number;
  /** After a successful sync of a calendar without push, the next poll is due this much later (SYNC_POLL_SECONDS). */
  pollIntervalMs: number;
  /** Likewise for a calendar with push: notifications get lost (SYNC_SAFETY_POLL_SECONDS). */
  safetyPollIntervalMs: number;
  /** A full sync at least this often: re-anchors the window (Graph's delta window is fixed by its cursor). */
  fullSyncIntervalMs: number;
}

export const defaultSyncPolicy: SyncPolicy = {
  baseBackoffMs: 30_000,
  maxBackoffMs: 30 * 60_000,
  errorAfterFailures: 5,
  pollIntervalMs: 120_000,
  safetyPollIntervalMs: 900_000,
  fullSyncIntervalMs: 24 * 3600_000,
};

export function nextSyncState(state: SyncStateFields, outcome: SyncOutcome, now: Date, policy: SyncPolicy = defaultSyncPolicy): SyncStateFields {
  switch (outcome.type) {
    case 'QUEUED':
      // A running sync stays SYNCING; the queued job follows it.
      return state.stage === 'SYNCING' ? state : { ...state, stage: 'QUEUED' };
    case 'STARTED':
      return { ...state, stage: 'SYNCING' };
    case 'SUCCEEDED':
      return {
        ...state,
        stage: 'IDLE',
        consecutiveFailures: 0,
        nextAttemptAt: null,
        lastError: null,
        nextPollAt: new Date(now.getTime() + (outcome.pushActive ? policy.safetyPollIntervalMs : policy.pollIntervalMs)),
        lastIncrementalSyncAt: outcome.full ? state.lastIncrementalSyncAt : now,
        lastFullSyncAt: outcome.full ? now : state.lastFullSyncAt,
      };
    case 'FAILED': {
      const { at, consecutiveFailures, markError } = outcome.retry;
      return { ...state, stage: markError ? 'ERROR' : 'BACKOFF', consecutiveFailures, nextAttemptAt: at, lastError: outcome.error };
    }
    case 'DEFERRED':
      return { ...state, stage: 'QUEUED', nextAttemptAt: outcome.until };
    case 'PAUSED':
      return { ...state, stage: 'PAUSED', nextAttemptAt: null, nextPollAt: null };
  }
}

/**
 * Whether the next sync must read the whole window: a free/busy-only calendar always (its busy blocks come
 * without a cursor, so every sync is a mark and sweep), else no cursor, one was asked for, or the window is
 * due to roll.
 */
export function needsFullSync(
  s: { access: CalendarAccessLevel; cursor: string | null; fullSyncRequested: number; fullSyncDone: number; lastFullSyncAt: Date | null },
  now: Date,
  policy: SyncPolicy = defaultSyncPolicy,
): boolean {
  if (s.access === 'FREE_BUSY') return true;
  if (!s.cursor || s.fullSyncRequested > s.fullSyncDone || !s.lastFullSyncAt) return true;
  return now.getTime() - s.lastFullSyncAt.getTime() >= policy.fullSyncIntervalMs;
}

/** A connection's sync state, from its selected calendars' stages (SYNCING, then QUEUED, then ERROR win). */
export function connectionSyncState(stages: readonly SyncStage[]): 'SYNCING' | 'QUEUED' | 'ERROR' | 'IDLE' {
  if (stages.includes('SYNCING')) return 'SYNCING';
  if (stages.includes('QUEUED')) return 'QUEUED';
  if (stages.includes('ERROR')) return 'ERROR';
  return 'IDLE';
}
