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
  private readonly google: GoogleCalendarDriver;

  constructor(endpoints: ProviderEndpoints, options: ProviderRegistryOptions = {}) {
    this.outlook = OutlookDriver.fromEndpoints(endpoints, { retryPolicy: options.retryPolicy, onRequest: options.onRequest });
    // PROVIDER_CA_FILE is trusted by both providers' clients
    this.google = new GoogleCalendarDriver({ ...endpoints.google, caPem: endpoints.caPem }, options.retryPolicy, options.onRequest);
    this.drivers = {
      [Provider.OUTLOOK]: this.outlook,
      [Provider.GOOGLE]: this.google,
    };
  }

  /** Releases the drivers' pooled connections (their keep-alive agents; Google without an extra CA uses the global fetch). */
  close(): void {
    this.outlook.close();
    this.google.close();
  }

  get(provider: Provider): CalendarProvider {
    return this.drivers[provider];
  }
}
