import { Provider } from '../connections/connection.enums';
import { CalendarProvider } from './calendar-provider';
import { GoogleCalendarDriver } from './google';
import { OutlookDriver } from './outlook/outlook.driver';
import { ProviderEndpoints } from './provider-endpoints';
import type { ProviderRequestObserver } from './shared/request-observer';
import type { RetryPolicy } from './shared/with-retries';

export interface ProviderRegistryOptions {
  /** The drivers' in-call retries (default: defaultRetryPolicy). */
  retryPolicy?: RetryPolicy;
  /** Sees every HTTP exchange with a provider (metrics). */
  onRequest?: ProviderRequestObserver;
}

/** The driver for each provider, built once from configuration. */
export class ProviderRegistry {
  private readonly drivers: Record<Provider, CalendarProvider>;

  constructor(endpoints: ProviderEndpoints, options: ProviderRegistryOptions = {}) {
    this.drivers = {
      [Provider.OUTLOOK]: OutlookDriver.fromEndpoints(endpoints, { retryPolicy: options.retryPolicy, onRequest: options.onRequest }),
      [Provider.GOOGLE]: new GoogleCalendarDriver(endpoints.google, options.retryPolicy, options.onRequest),
    };
  }

  get(provider: Provider): CalendarProvider {
    return this.drivers[provider];
  }
}
