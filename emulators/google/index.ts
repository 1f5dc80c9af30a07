// The Google emulator's public surface (tests, emulators/run.ts, sandbox mode).
export { startGoogleEmulator, type GoogleEmulator, type GoogleEmulatorOptions } from './google-emulator';
export { GoogleEmulatorState, type ChangeNotice } from './emulator-state';
export type { AccountSeed, CalendarSeed, AccessRole, EventInput, StoredEvent, StoredAccount, StoredCalendar } from './emulator.types';
export { FaultInjector, type Fault, type FaultRule } from './fault-injector';
export { RequestLog, type RequestLogEntry } from './request-log';
export { PushNotifier, type DeliveryRecord, type WatchChannel } from './push-notifier';
export { CALENDAR_SCOPE, CALENDAR_READONLY_SCOPE } from './oauth-routes';
