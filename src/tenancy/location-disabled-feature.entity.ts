import { Entity, PrimaryColumn } from 'typeorm';
import { Feature } from './tenancy.enums';

/** A feature an agency admin switched off for one location (enabledFeatures = plan features minus these). */
@Entity('location_disabled_features')
export class LocationDisabledFeature {
  @PrimaryColumn({ name: 'location_id', type: 'uuid' })
  locationId: string;

  @PrimaryColumn({ type: 'text' })
  feature: Feature;
}
