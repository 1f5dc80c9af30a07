import { Clock } from '../app/clock';
import { logger } from '../app/logging/logger';
import type { PushNoticeKind } from '../providers/calendar-provider';
import { PushChannelRepository } from './push-channel.repository';
import { SyncScheduler } from './sync-scheduler';

/**
 * What a verified push notice does. It runs after the webhook has answered, and only enqueues (never calls the
 * provider): a change (or Graph's `missed`) syncs exactly that channel's calendar, coalesced with the syncs already
 * waiting; `reauthorizationRequired` renews the channel at once; `subscriptionRemoved` re-creates it.
 */
export class PushNoticeService {
  private readonly channels: PushChannelRepository;

  constructor(
    ds: ConstructorParameters<typeof PushChannelRepository>[0],
    private readonly scheduler: SyncScheduler,
    private readonly clock: Clock,
  ) {
    this.channels = new PushChannelRepository(ds);
  }

  async handle(channelId: string, kind: PushNoticeKind | string, receivedAt: Date = this.clock.now()): Promise<void> {
    // Google's first message on a new channel: nothing changed.
    if (kind === 'sync') return;
    const ch = await this.channels.byChannelId(channelId);
    if (!ch) return; // replaced or stopped since the provider sent it
    switch (kind) {
      case 'changed':
      case 'missed':
        // Unless a sync started since: it reads this change (a notice the per-channel limit held back, a re-sent one).
        if (ch.provider_calendar_id) await this.scheduler.syncCalendars([ch.provider_calendar_id], { trigger: 'push', dueAt: receivedAt, noticedAt: receivedAt });
        return;
      case 'reauthorizationRequired':
        await this.scheduler.renewPush(ch.connection_id, channelId);
        return;
      case 'subscriptionRemoved':
        await this.scheduler.recreatePush(ch.connection_id, channelId);
        return;
      default:
        logger.debug({ channelId, kind }, 'push notice without effect');
    }
  }
}
