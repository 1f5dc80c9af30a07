import { decideRetry } from '../../src/sync/throttle/retry-policy';
import { connectionSyncState, defaultSyncPolicy, needsFullSync, nextSyncState, SyncPolicy, SyncStateFields } from '../../src/sync/sync-state-machine';

const policy: SyncPolicy = { baseBackoffMs: 1_000, maxBackoffMs: 16_000, errorAfterFailures: 3, pollIntervalMs: 120_000, safetyPollIntervalMs: 900_000, fullSyncIntervalMs: 86_400_000 };
const now = new Date('2026-03-02T10:00:00Z');
const at = (ms: number) => new Date(now.getTime() + ms);
const fresh: SyncStateFields = { stage: 'QUEUED', consecutiveFailures: 0, nextAttemptAt: null, nextPollAt: null, lastError: null, lastFullSyncAt: null, lastIncrementalSyncAt: null };

describe('sync state machine', () => {
  test('queued → syncing → idle: the poll is scheduled, the kind of sync is recorded', () => {
    const syncing = nextSyncState(fresh, { type: 'STARTED' }, now, policy);
    expect(syncing.stage).toBe('SYNCING');
    const full = nextSyncState(syncing, { type: 'SUCCEEDED', full: true }, now, policy);
    expect(full).toEqual({ ...fresh, stage: 'IDLE', nextPollAt: at(120_000), lastFullSyncAt: now });
    const later = at(60_000);
    const incremental = nextSyncState({ ...full, stage: 'SYNCING' }, { type: 'SUCCEEDED', full: false }, later, policy);
    expect(incremental).toMatchObject({ stage: 'IDLE', lastFullSyncAt: now, lastIncrementalSyncAt: later, nextPollAt: new Date(later.getTime() + 120_000) });
  });

  test('the next poll: soon for a calendar without push, only as a safety net for one with push', () => {
    const syncing: SyncStateFields = { ...fresh, stage: 'SYNCING' };
    expect(nextSyncState(syncing, { type: 'SUCCEEDED', full: false, pushActive: false }, now, policy).nextPollAt).toEqual(at(120_000));
    expect(nextSyncState(syncing, { type: 'SUCCEEDED', full: false, pushActive: true }, now, policy).nextPollAt).toEqual(at(900_000));
  });

  test('a job queued while a sync runs leaves it SYNCING; otherwise QUEUED, whatever the stage', () => {
    expect(nextSyncState({ ...fresh, stage: 'SYNCING' }, { type: 'QUEUED' }, now, policy).stage).toBe('SYNCING');
    for (const stage of ['IDLE', 'BACKOFF', 'ERROR', 'PAUSED'] as const) expect(nextSyncState({ ...fresh, stage }, { type: 'QUEUED' }, now, policy).stage).toBe('QUEUED');
  });

  test('failures, with the retry policy deciding: exponential backoff, capped; ERROR after N in a row, retries go on', () => {
    const retry = { baseDelayMs: policy.baseBackoffMs, maxDelayMs: policy.maxBackoffMs, minDelayMs: 0, errorAfterFailures: policy.errorAfterFailures, random: () => 0.999999 };
    let s: SyncStateFields = { ...fresh, stage: 'SYNCING' };
    const seen: Array<[string, number, number]> = [];
    for (let i = 0; i < 7; i++) {
      const d = decideRetry({ kind: 'transient', provider: 'OUTLOOK', retryAfterMs: null, detail: '503' }, s.consecutiveFailures, now, retry);
      if (d.action !== 'defer') throw new Error(`unexpected ${d.action}`);
      s = nextSyncState({ ...s, stage: 'SYNCING' }, { type: 'FAILED', error: 'Outlook is not responding', retry: { at: d.runAt, consecutiveFailures: d.consecutiveFailures, markError: d.markError } }, now, policy);
      seen.push([s.stage, s.consecutiveFailures, Math.round((s.nextAttemptAt!.getTime() - now.getTime()) / 1000) * 1000]);
    }
    expect(seen).toEqual([
      ['BACKOFF', 1, 1_000],
      ['BACKOFF', 2, 2_000],
      ['ERROR', 3, 4_000],
      ['ERROR', 4, 8_000],
      ['ERROR', 5, 16_000],
      ['ERROR', 6, 16_000],
      ['ERROR', 7, 16_000],
    ]);
    expect(s.lastError).toBe('Outlook is not responding');
  });

  test("a failure with the retry policy's decision: retried when it says (Retry-After), ERROR when it says so", () => {
    const syncing: SyncStateFields = { ...fresh, stage: 'SYNCING', consecutiveFailures: 1 };
    const throttled = nextSyncState(syncing, { type: 'FAILED', error: 'limited', retry: { at: at(6_000), consecutiveFailures: 2, markError: false } }, now, policy);
    expect(throttled).toMatchObject({ stage: 'BACKOFF', consecutiveFailures: 2, nextAttemptAt: at(6_000), lastError: 'limited' });
    const refused = nextSyncState(syncing, { type: 'FAILED', error: 'refused', retry: { at: at(900_000), consecutiveFailures: 2, markError: true } }, now, policy);
    expect(refused).toMatchObject({ stage: 'ERROR', nextAttemptAt: at(900_000) });
  });

  test('deferred for our own per-mailbox limit: queued for later, not a failure', () => {
    const deferred = nextSyncState({ ...fresh, stage: 'SYNCING', consecutiveFailures: 1, lastError: 'x' }, { type: 'DEFERRED', until: at(1_500) }, now, policy);
    expect(deferred).toMatchObject({ stage: 'QUEUED', consecutiveFailures: 1, nextAttemptAt: at(1_500), lastError: 'x' });
  });

  test('recovery: one success clears failures, the error and the retry', () => {
    const failing: SyncStateFields = { ...fresh, stage: 'ERROR', consecutiveFailures: 9, nextAttemptAt: at(16_000), lastError: 'down' };
    const recovered = nextSyncState({ ...failing, stage: 'SYNCING' }, { type: 'SUCCEEDED', full: false }, now, policy);
    expect(recovered).toMatchObject({ stage: 'IDLE', consecutiveFailures: 0, nextAttemptAt: null, lastError: null });
  });

  test('paused: no retry and no poll until it resumes', () => {
    const paused = nextSyncState({ ...fresh, stage: 'BACKOFF', nextAttemptAt: at(1_000), nextPollAt: at(5_000), consecutiveFailures: 2 }, { type: 'PAUSED' }, now, policy);
    expect(paused).toMatchObject({ stage: 'PAUSED', nextAttemptAt: null, nextPollAt: null, consecutiveFailures: 2 });
  });

  test('a full sync when there is no cursor, when one was asked for, or when the window is due to roll', () => {
    const synced = { access: 'READ' as const, cursor: 'delta-1', fullSyncRequested: 1, fullSyncDone: 1, lastFullSyncAt: at(-3_600_000) };
    expect(needsFullSync(synced, now, policy)).toBe(false);
    expect(needsFullSync({ ...synced, cursor: null }, now, policy)).toBe(true);
    expect(needsFullSync({ ...synced, fullSyncRequested: 2 }, now, policy)).toBe(true);
    expect(needsFullSync({ ...synced, lastFullSyncAt: null }, now, policy)).toBe(true);
    expect(needsFullSync({ ...synced, lastFullSyncAt: at(-86_400_000) }, now, policy)).toBe(true);
    expect(needsFullSync({ ...synced, lastFullSyncAt: at(-86_399_000) }, now, policy)).toBe(false);
    expect(defaultSyncPolicy.fullSyncIntervalMs).toBe(86_400_000);
  });

  test('a free/busy-only calendar is always read in full (its busy blocks come without a cursor), even with a cursor kept from when it was readable', () => {
    const synced = { access: 'FREE_BUSY' as const, cursor: 'sync-token-1', fullSyncRequested: 1, fullSyncDone: 1, lastFullSyncAt: at(-1_000) };
    expect(needsFullSync(synced, now, policy)).toBe(true);
    expect(needsFullSync({ ...synced, access: 'WRITE' }, now, policy)).toBe(false);
  });

  test("a connection's sync state from its calendars: SYNCING, then QUEUED, then ERROR; otherwise IDLE", () => {
    expect(connectionSyncState([])).toBe('IDLE');
    expect(connectionSyncState(['IDLE', 'BACKOFF', 'PAUSED'])).toBe('IDLE');
    expect(connectionSyncState(['IDLE', 'ERROR'])).toBe('ERROR');
    expect(connectionSyncState(['ERROR', 'QUEUED'])).toBe('QUEUED');
    expect(connectionSyncState(['QUEUED', 'SYNCING', 'ERROR'])).toBe('SYNCING');
  });
});
