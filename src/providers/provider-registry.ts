import { Provider } from '../connections/connection.enums';
import { CalendarProvider } from './calendar-provider';
import { GoogleCalendarDriver } from './google';
import { OutlookDriver } from './outlook/outlook.driver';
import { ProviderEndpoints } from './provider-endpoints';

/** The driver for each provider, built once from configuration. */
export class ProviderRegistry {
  private readonly drivers: Record<Provider, CalendarProvider>;

  constructor(endpoints: ProviderEndpoints) {
    this.drivers = {
      [Provider.OUTLOOK]: OutlookDriver.fromEndpoints(endpoints),
      [Provider.GOOGLE]: new GoogleCalendarDriver(endpoints.google),
    };
  }

  get(provider: Provider): CalendarProvider {
    return this.drivers[provider];
  }
}
