import type { ProviderKind } from '../calendar-provider';

/** One HTTP exchange with a provider, as its driver's transport saw it (metrics). */
export interface ProviderRequestEvent {
  provider: ProviderKind;
  /** null: no answer (refused, reset, timed out). */
  status: number | null;
  /** The provider asked us to slow down (429; Google's 403 rate-limit reasons). */
  throttled: boolean;
}

export type ProviderRequestObserver = (event: ProviderRequestEvent) => void;
