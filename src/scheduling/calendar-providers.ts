import { Provider } from '../connections/connection.enums';
import { CalendarType } from './calendar-type.enum';

// PRODUCT.md "Availability": an EVENT calendar reads and writes its owner's Google calendars only (Outlook
// calendars are neither read nor written for it); every other type uses both providers. Availability and
// booking ask this too, so it is a scheduling rule, not a detail of the GraphQL field.

const BOTH: readonly Provider[] = [Provider.OUTLOOK, Provider.GOOGLE];
const GOOGLE_ONLY: readonly Provider[] = [Provider.GOOGLE];

/** Providers whose calendars a CRM calendar of this type reads for conflicts and writes appointments to. */
export function supportedProviders(type: CalendarType): Provider[] {
  return [...(type === CalendarType.EVENT ? GOOGLE_ONLY : BOTH)];
}
