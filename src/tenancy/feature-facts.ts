import { Feature } from './tenancy.enums';

// What plan gating decides on, read in SQL for one location or for many rows at once; the decision itself is
// featureState (plan-gate.ts), in TypeScript only.

export interface FeatureFacts {
  /** The agency plan's features. */
  plan_features: Feature[];
  /** The features switched off for the location. */
  disabled_features: Feature[];
}

/** Select-list columns giving the FeatureFacts of the agency and location named by two SQL expressions (parameters or columns). */
export const featureFactsColumns = (agencyId: string, locationId: string) => `
  COALESCE((SELECT p.features FROM agencies a JOIN plans p ON p.code = a.plan_code WHERE a.id = ${agencyId}), '{}') AS plan_features,
  ARRAY(SELECT d.feature FROM location_disabled_features d WHERE d.location_id = ${locationId}) AS disabled_features`;
