import { DataSource } from 'typeorm';
import { logger } from '../../app/logging/logger';
import { Connection } from '../../connections/connection.entity';
import { ConnectionStatus, PauseReason } from '../../connections/connection.enums';
import { ConnectionTokens } from '../../connections/connection-tokens.service';
import type { NormalizedEvent } from '../../providers/calendar-provider';
import { ProviderRegistry } from '../../providers/provider-registry';
import { JobQueue } from '../jobs/job-queue';
import { OWN_EVENT_CHECK } from '../jobs/queues';
import type { WriteCalls } from './outbox-writer';

/** Who acts on what the check read (two-way sync: ProviderEditsService). */
export interface CheckedEventTarget {
  /**
   * The write's event as read by its id: null when it is gone (deleted or cancelled at the provider).
   * `readStartedAt`: database time just before the read (our own writes recorded later are newer than it).
   */
  eventChecked(writeId: string, event: NormalizedEvent | null, readStartedAt: Date): Promise<void>;
}

export interface OwnEventCheckDeps {
  ds: DataSource;
  providers: ProviderRegistry;
  tokens: ConnectionTokens;
  jobs: JobQueue;
  /** Wraps the provider call (the per-mailbox request slots). */
  calls: WriteCalls;
}

interface Target {
  external_event_id: string | null;
  calendar_external_id: string;
  time_zone: string | null;
  connection_id: string;
}

/**
 * An appointment's event that a sync stopped seeing is not necessarily deleted: Graph's delta reports an event
 * moved out of the sync window as removed, and Google's incremental results outside the window are dropped as
 * if removed, as a full sync does with what it did not see. So before two-way sync cancels the appointment, this
 * job reads the event by its id: gone → cancelled; still there → the appointment follows it, wherever it is now.
 * A job, so no provider call happens inside the sync's transactions; retried by the job queue when the provider
 * fails. A connection that cannot read (paused, needs reauthorization) leaves the appointment alone: its full
 * sync after reconnecting asks again.
 */
export class OwnEventCheck {
  private target: CheckedEventTarget | null = null;

  constructor(private readonly d: OwnEventCheckDeps) {
    d.jobs.handle(OWN_EVENT_CHECK, (data) => this.run(data.writeId));
  }

  /** Who acts on the answers (set once, before the job queue starts). */
  answerTo(target: CheckedEventTarget): void {
    this.target = target;
  }

  /** The write's event disappeared from a sync: check it. */
  async request(writeId: string): Promise<void> {
    await this.d.jobs.enqueue(OWN_EVENT_CHECK, { writeId }, { key: writeId });
  }

  private async run(writeId: string): Promise<void> {
    const [t]: Target[] = await this.d.ds.query(
      `SELECT w.external_event_id, pc.external_id AS calendar_external_id, pc.time_zone, pc.connection_id
         FROM appointment_writes w JOIN provider_calendars pc ON pc.id = w.provider_calendar_id WHERE w.id = $1`,
      [writeId],
    );
    if (!t?.external_event_id || !this.target) return;
    const conn = await this.d.ds.getRepository(Connection).findOneBy({ id: t.connection_id });
    if (!conn || conn.status === ConnectionStatus.NEEDS_REAUTH || conn.pauseReason !== PauseReason.NONE) {
      logger.info({ writeId, connectionId: t.connection_id }, 'own event check skipped: the connection cannot read now');
      return;
    }
    const [{ now: readStartedAt }] = await this.d.ds.query(`SELECT clock_timestamp() AS now`);
    const eventId = t.external_event_id;
    const event = await this.d.tokens.use(conn, (tokens) =>
      this.d.calls.run({ connection: conn, operation: 'getEvent' }, () => this.d.providers.get(conn.provider).getEvent(tokens, t.calendar_external_id, eventId, t.time_zone)),
    );
    await this.target.eventChecked(writeId, event, readStartedAt);
  }
}
