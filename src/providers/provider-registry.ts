import { Provider } from '../connections/connection.enums';
import { CalendarProvider } from './calendar-provider';
import { GoogleCalendarDriver } from './google';
import { OutlookDriver } from './outlook/outlook.driver';
import { ProviderEndpoints } from './provider-endpoints';

/** The driver for each provider, built once from configuration. */
export class ProviderRegistry {
  private readonly drivers: Record<Provider, CalendarProvider>;
  private readonly outlook: OutlookDriver;

  constructor(endpoints: ProviderEndpoints) {
    this.outlook = OutlookDriver.fromEndpoints(endpoints);
    this.drivers = {
      [Provider.OUTLOOK]: this.outlook,
      [Provider.GOOGLE]: new GoogleCalendarDriver(endpoints.google),
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
