import { DataSource } from 'typeorm';
import { Connection } from '../connections/connection.entity';
import { CalendarListService } from './calendar-list.service';
import { CalendarSyncService } from './calendar-sync.service';
import { FeatureReevaluationService } from './feature-reevaluation.service';
import { ConnectionLeaseRepository } from './jobs/connection-lease.repository';
import { exclusiveForConnection } from './jobs/exclusive-connection-job';
import { JobQueue } from './jobs/job-queue';
import { CALENDAR_LIST, CALENDAR_SYNC, FEATURE_REEVALUATION, PUSH_CHANNEL, PUSH_RECONCILE, SYNC_TICK } from './jobs/queues';
import { PushChannelService } from './push-channel.service';
import { SyncScheduler } from './sync-scheduler';
import { SyncTick } from './sync-tick.service';

export interface SyncJobHandlers {
  ds: DataSource;
  jobs: JobQueue;
  leases: ConnectionLeaseRepository;
  calendarSync: CalendarSyncService;
  calendarLists: CalendarListService;
  push: PushChannelService;
  features: FeatureReevaluationService;
  scheduler: SyncScheduler;
  tick: SyncTick;
  tickSeconds: number;
}

/** The handler of every sync queue (they run only where PROCESS_ROLE includes the workers). */
export function registerSyncJobs(h: SyncJobHandlers): void {
  const { jobs, leases } = h;
  // Exclusive per calendar by the calendar's own lease (in its sync state row).
  jobs.handle(CALENDAR_SYNC, (data, ctx) => h.calendarSync.run(data, ctx.signal));
  jobs.handle(CALENDAR_LIST, (data) =>
    exclusiveForConnection({ leases, jobs }, { def: CALENDAR_LIST, data, key: data.connectionId, connectionId: data.connectionId }, () => h.calendarLists.refresh(data.connectionId)),
  );
  jobs.handle(PUSH_RECONCILE, (data) =>
    exclusiveForConnection(
      { leases, jobs },
      { def: PUSH_RECONCILE, data, key: `${data.connectionId}${data.restart ? ':restart' : ''}`, connectionId: data.connectionId },
      async () => {
        const conn = await h.ds.getRepository(Connection).findOneBy({ id: data.connectionId });
        if (!conn) return;
        if (data.restart) await h.push.restart(conn);
        else await h.push.reconcile(conn);
      },
    ),
  );
  jobs.handle(PUSH_CHANNEL, (data) =>
    exclusiveForConnection(
      { leases, jobs },
      { def: PUSH_CHANNEL, data, key: `${data.connectionId}:${data.action}:${data.channelId}`, connectionId: data.connectionId },
      async () => {
        const conn = await h.ds.getRepository(Connection).findOneBy({ id: data.connectionId });
        if (!conn) return;
        // A new channel (or none for a while): what changed in between was not notified, so the calendar syncs.
        const calendarId = data.action === 'renew' ? (await h.push.renew(conn, data.channelId)).replacedCalendarId : (await h.push.recreate(conn, data.channelId)).calendarId;
        if (calendarId) await h.scheduler.syncCalendars([calendarId], { trigger: 'push' });
      },
    ),
  );
  if (h.tickSeconds > 0) jobs.every(SYNC_TICK, h.tickSeconds, async () => void (await h.tick.run()));
  jobs.handle(FEATURE_REEVALUATION, (scope) => h.features.apply(scope));
}
