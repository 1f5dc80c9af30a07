export { startMicrosoftEmulator, type MicrosoftEmulator, type MicrosoftEmulatorOptions } from './microsoft-emulator';
export type { AccountInput, EventInput } from './microsoft-state';
export type { FaultInput } from './faults';
export type { LoggedRequest } from './request-log';
export type { Delivery, LifecycleEvent } from './subscription-service';
