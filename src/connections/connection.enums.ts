import { registerEnumType } from 'type-graphql';
import { Feature } from '../tenancy/tenancy.enums';

export enum Provider {
  OUTLOOK = 'OUTLOOK',
  GOOGLE = 'GOOGLE',
}
export enum ConnectionStatus {
  ACTIVE = 'ACTIVE',
  NEEDS_REAUTH = 'NEEDS_REAUTH',
  ERROR = 'ERROR',
}
export enum SyncState {
  IDLE = 'IDLE',
  QUEUED = 'QUEUED',
  SYNCING = 'SYNCING',
  ERROR = 'ERROR',
}

/** Why a connection does no provider work (its data stays); not part of the API: lastError says it in words. */
export enum PauseReason {
  NONE = 'NONE',
  PLAN_DOWNGRADE = 'PLAN_DOWNGRADE',
  LOCATION_DISABLED = 'LOCATION_DISABLED',
  NEEDS_REAUTH = 'NEEDS_REAUTH',
}

registerEnumType(Provider, { name: 'Provider' });
registerEnumType(ConnectionStatus, { name: 'ConnectionStatus' });
registerEnumType(SyncState, { name: 'SyncState' });

/** The plan feature that gates each provider. */
export const FEATURE_OF: Record<Provider, Feature> = { OUTLOOK: Feature.OUTLOOK_CALENDAR, GOOGLE: Feature.GOOGLE_CALENDAR };
