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
  private readonly outlook: OutlookDriver;

  constructor(endpoints: ProviderEndpoints, options: ProviderRegistryOptions = {}) {
    this.outlook = OutlookDriver.fromEndpoints(endpoints, { retryPolicy: options.retryPolicy, onRequest: options.onRequest });
    this.drivers = {
      [Provider.OUTLOOK]: this.outlook,
      [Provider.GOOGLE]: new GoogleCalendarDriver(endpoints.google, options.retryPolicy, options.onRequest),
    };
  }

  /** Releases the drivers' pooled connections (Outlook's keep-alive agent; Google uses the global fetch). */
  close(): void {
    this.outlook.close();
  }

  get(provider: Provider): CalendarProvider {
    return this.drivers[provider];
  }
}
