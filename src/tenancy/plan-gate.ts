import { DomainError } from '../app/errors/domain.error';
import { Feature, UserType } from './tenancy.enums';

// PRODUCT.md "Plan gating": the plan is checked before the location switch, and the message depends on
// who asks. Pure, so every role × plan × location case is unit-tested.

export interface GateInput {
  feature: Feature;
  /** Who asks decides the message (agency users are told about plans). */
  viewerType: UserType;
  /** The agency plan's features. */
  planFeatures: readonly Feature[];
  /** The whole catalogue, for naming the plans that have the feature. */
  catalog: ReadonlyArray<{ name: string; monthlyPriceUsd: number; features: readonly Feature[] }>;
  /** Features switched off for the location. */
  locationDisabled: readonly Feature[];
}

const INTEGRATION_NAME: Record<Feature, string> = {
  [Feature.OUTLOOK_CALENDAR]: 'Outlook Integration',
  [Feature.GOOGLE_CALENDAR]: 'Google Calendar Integration',
};

export const notEnabledMessage = (feature: Feature) => `${INTEGRATION_NAME[feature]} is not enabled for your account. Please contact the administrator.`;

/** "Oops.. this feature is supported in the Freelancer and Agency Pro Plans" (plans in price order). */
export function notInPlanMessage(feature: Feature, catalog: GateInput['catalog']): string {
  const names = [...catalog]
    .filter((p) => p.features.includes(feature))
    .sort((a, b) => a.monthlyPriceUsd - b.monthlyPriceUsd)
    .map((p) => p.name);
  if (names.length === 0) return 'Oops.. this feature is not available on any plan';
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  return `Oops.. this feature is supported in the ${list} ${names.length === 1 ? 'Plan' : 'Plans'}`;
}

/** Where a feature stands for a location. */
export type FeatureState = 'ENABLED' | 'NOT_IN_PLAN' | 'LOCATION_DISABLED';

/**
 * The one availability rule: the agency plan must have the feature (checked first), and the location must not
 * have switched it off. Gating, a location's enabledFeatures and a connection's push all ask this.
 */
export function featureState(feature: Feature, planFeatures: readonly Feature[], locationDisabled: readonly Feature[]): FeatureState {
  if (!planFeatures.includes(feature)) return 'NOT_IN_PLAN';
  return locationDisabled.includes(feature) ? 'LOCATION_DISABLED' : 'ENABLED';
}

/** Throws the gating error for this kind of user, or returns when the feature is available. */
export function assertFeatureAvailable(input: GateInput): void {
  const state = featureState(input.feature, input.planFeatures, input.locationDisabled);
  if (state === 'NOT_IN_PLAN') {
    if (input.viewerType === UserType.AGENCY) throw new DomainError('FEATURE_NOT_IN_PLAN', notInPlanMessage(input.feature, input.catalog));
    throw new DomainError('FEATURE_NOT_ENABLED', notEnabledMessage(input.feature));
  }
  if (state === 'LOCATION_DISABLED') throw new DomainError('FEATURE_NOT_ENABLED', notEnabledMessage(input.feature), { reason: 'LOCATION_DISABLED' });
}

/** enabledFeatures of a location: the plan's features minus those switched off there, in enum order. */
export function enabledFeatures(planFeatures: readonly Feature[], disabled: readonly Feature[]): Feature[] {
  return Object.values(Feature).filter((f) => featureState(f, planFeatures, disabled) === 'ENABLED');
}
