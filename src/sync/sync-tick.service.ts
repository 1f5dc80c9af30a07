import { DataSource } from 'typeorm';
import { Clock } from '../app/clock';
import { rows } from '../app/database/sql';
import { PushChannelRepository } from './push-channel.repository';
import { SyncScheduler } from './sync-scheduler';
import { SyncStateRepository } from './sync-state.repository';

export interface SyncTickOptions {
  /** SYNC_POLL_SECONDS: calendars without push. */
  pollSeconds: number;
  /** SYNC_SAFETY_POLL_SECONDS: calendars with push. */
  safetyPollSeconds: number;
  /** Channels expiring within this many seconds are renewed (Graph subscriptions last 3 days, Google channels 7). */
  renewWithinSeconds: { OUTLOOK: number; GOOGLE: number };
  /** A renewal that failed is tried again after this long (while the channel is still within its horizon). */
  renewRetrySeconds: number;
  /** At most this many calendars (and channels) per tick; the rest follow at the next. */
  batch: number;
}

export const defaultRenewWithinSeconds = { OUTLOOK: 12 * 3600, GOOGLE: 24 * 3600 };

/** Points where tests watch the tick; empty in production. */
export interface SyncTickHooks {
  /** Inside the scan, holding its lock (a test holds it to show another instance skips). */
  scanning?: () => Promise<void>;
}

// One tick at a time over every instance sharing the database.
const TICK_LOCK = 'calbridge:sync-tick';

/**
 * The periodic tick: calendars whose poll is due are synced (every SYNC_POLL_SECONDS without push, every
 * SYNC_SAFETY_POLL_SECONDS with it; the sync itself decides full or incremental, which brings the daily full sync
 * and calendar list refresh), push channels expiring soon are renewed, and syncs a killed worker left are resumed.
 * Due rows are claimed under a transaction lock, so a concurrent tick on another instance does nothing; then the
 * jobs are enqueued.
 */
export class SyncTick {
  readonly hooks: SyncTickHooks = {};

  constructor(
    private readonly ds: DataSource,
    private readonly scheduler: SyncScheduler,
    private readonly clock: Clock,
    private readonly options: SyncTickOptions,
  ) {}

  /** One scan; null when another instance's scan held the lock. */
  async run(): Promise<{ polls: number; renewals: number; resumed: number } | null> {
    const now = this.clock.now();
    const o = this.options;
    const claimed = await this.ds.transaction(async (tx) => {
      const [lock] = await rows<{ locked: boolean }>(tx, `SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked`, [TICK_LOCK]);
      if (!lock.locked) return null;
      await this.hooks.scanning?.();
      const polls = await new SyncStateRepository(tx).claimDuePolls(now, o, o.batch);
      const renewals = await new PushChannelRepository(tx).claimExpiring(now, o.renewWithinSeconds, o.renewRetrySeconds, o.batch);
      return { polls, renewals };
    });
    if (!claimed) return null;
    if (claimed.polls.length) {
      await this.scheduler.syncCalendars(
        claimed.polls.map((p) => p.id),
        { trigger: 'poll', dueAt: new Map(claimed.polls.map((p) => [p.id, p.dueAt])) },
      );
    }
    for (const r of claimed.renewals) await this.scheduler.renewPush(r.connectionId, r.channelId);
    // Syncs a dead worker left (its lease ran out): picked up now, not when pg-boss expires its job.
    const resumed = await this.scheduler.resumeInterrupted({ expiredOnly: true });
    return { polls: claimed.polls.length, renewals: claimed.renewals.length, resumed };
  }
}

/** How often the tick runs: a fraction of the poll interval, between 5 and 15 seconds. */
export const tickSecondsFor = (pollSeconds: number) => Math.max(5, Math.min(15, Math.round(pollSeconds / 4)));
