// Every migration, in order. Listed explicitly so they load the same under swc, jest and tsc.
import { Tenancy1763700000000 } from './1763700000000-tenancy';
import { Connections1763800000000 } from './1763800000000-connections';
import { OAuthConfirmations1763810000000 } from './1763810000000-oauth-confirmations';
import { RefreshLease1763900000000 } from './1763900000000-refresh-lease';
import { PushSecretHash1763900000001 } from './1763900000001-push-secret-hash';
import { CalendarAccess1763950000000 } from './1763950000000-calendar-access';
import { JobLeases1764000000000 } from './1764000000000-job-leases';
import { SyncState1764000000001 } from './1764000000001-sync-state';
import { RequestSlots1764050000000 } from './1764050000000-request-slots';
import { CalendarSettings1764100000000 } from './1764100000000-calendar-settings';
import { Appointments1764100000001 } from './1764100000001-appointments';
import { OutboxLeases1764200000000 } from './1764200000000-outbox-leases';
import { PushPolling1764200000000 } from './1764200000000-push-polling';
import { MailboxThrottles1764300000137 } from './1764300000137-mailbox-throttles';

export const migrations = [
  Tenancy1763700000000,
  Connections1763800000000,
  OAuthConfirmations1763810000000,
  RefreshLease1763900000000,
  PushSecretHash1763900000001,
  CalendarAccess1763950000000,
  JobLeases1764000000000,
  SyncState1764000000001,
  RequestSlots1764050000000,
  CalendarSettings1764100000000,
  Appointments1764100000001,
  OutboxLeases1764200000000,
  PushPolling1764200000000,
  MailboxThrottles1764300000137,
];
