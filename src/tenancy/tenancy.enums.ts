import { registerEnumType } from 'type-graphql';

export enum PlanCode {
  STARTER = 'STARTER',
  FREELANCER = 'FREELANCER',
  AGENCY_PRO = 'AGENCY_PRO',
}
export enum Feature {
  OUTLOOK_CALENDAR = 'OUTLOOK_CALENDAR',
  GOOGLE_CALENDAR = 'GOOGLE_CALENDAR',
}
export enum UserType {
  AGENCY = 'AGENCY',
  ACCOUNT = 'ACCOUNT',
}
export enum UserRole {
  ADMIN = 'ADMIN',
  USER = 'USER',
}
export enum CrossLocationPolicy {
  ALLOW_SAME_USER = 'ALLOW_SAME_USER',
  DENY = 'DENY',
}

registerEnumType(PlanCode, { name: 'PlanCode' });
registerEnumType(Feature, { name: 'Feature' });
registerEnumType(UserType, { name: 'UserType' });
registerEnumType(UserRole, { name: 'UserRole' });
registerEnumType(CrossLocationPolicy, { name: 'CrossLocationPolicy' });
