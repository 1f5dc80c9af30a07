import { registerEnumType } from 'type-graphql';

export enum AppointmentStatus {
  CONFIRMED = 'CONFIRMED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(AppointmentStatus, { name: 'AppointmentStatus' });

export enum ProviderWriteState {
  PENDING = 'PENDING',
  WRITTEN = 'WRITTEN',
  FAILED = 'FAILED',
  NOT_LINKED = 'NOT_LINKED',
}
registerEnumType(ProviderWriteState, { name: 'ProviderWriteState' });

/** What the outbox's next write does to a participant's provider event. */
export enum WriteOperation {
  CREATE = 'CREATE',
  UPDATE = 'UPDATE',
  DELETE = 'DELETE',
}
