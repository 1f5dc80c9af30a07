import { DataSource } from 'typeorm';
import { Connection } from '../connections/connection.entity';
import { CalendarListService } from './calendar-list.service';
import { CalendarSyncService } from './calendar-sync.service';
import { FeatureReevaluationService } from './feature-reevaluation.service';
import { ConnectionLeaseRepository } from './jobs/connection-lease.repository';
import { exclusiveForConnection } from './jobs/exclusive-connection-job';
import { JobQueue } from './jobs/job-queue';
import { CALENDAR_LIST, CALENDAR_SYNC, FEATURE_REEVALUATION, PUSH_RECONCILE } from './jobs/queues';
import { PushChannelService } from './push-channel.service';

export interface SyncJobHandlers {
  ds: DataSource;
  jobs: JobQueue;
  leases: ConnectionLeaseRepository;
  calendarSync: CalendarSyncService;
  calendarLists: CalendarListService;
  push: PushChannelService;
  features: FeatureReevaluationService;
}

/** The handler of every sync queue (they run only where PROCESS_ROLE includes the workers). */
export function registerSyncJobs(h: SyncJobHandlers): void {
  const { jobs, leases } = h;
  // Exclusive per calendar by the calendar's own lease (in its sync state row).
  jobs.handle(CALENDAR_SYNC, (data, ctx) => h.calendarSync.run(data.calendarId, ctx.signal));
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
  jobs.handle(FEATURE_REEVALUATION, (scope) => h.features.apply(scope));
}
