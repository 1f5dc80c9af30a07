import { Connection } from '../connections/connection.entity';

/** What a provider call is for, for whoever gates it (per-mailbox limits key on the account). */
export interface ProviderCallContext {
  connection: Pick<Connection, 'id' | 'provider' | 'accountExternalId'>;
  /** e.g. 'readChanges', 'listCalendars', 'refresh'. */
  operation: string;
}

/**
 * The one seam every provider call of the sync jobs goes through. Today it calls straight through; the
 * throttling work plugs in here (a per-mailbox semaphore across instances, deferral until Retry-After).
 */
export interface ProviderCalls {
  run<T>(ctx: ProviderCallContext, call: () => Promise<T>): Promise<T>;
}

export const directProviderCalls: ProviderCalls = {
  run: (_ctx, call) => call(),
};
