import { ProviderWriteState } from './appointment.enums';

/**
 * Appointment.providerWriteState from its participants' writes (the contract): PENDING while any is pending,
 * FAILED when any failed for good, NOT_LINKED when no participant has a linked calendar, otherwise WRITTEN.
 */
export function aggregateWriteState(states: readonly ProviderWriteState[]): ProviderWriteState {
  if (states.includes(ProviderWriteState.PENDING)) return ProviderWriteState.PENDING;
  if (states.includes(ProviderWriteState.FAILED)) return ProviderWriteState.FAILED;
  if (states.every((s) => s === ProviderWriteState.NOT_LINKED)) return ProviderWriteState.NOT_LINKED;
  return ProviderWriteState.WRITTEN;
}
