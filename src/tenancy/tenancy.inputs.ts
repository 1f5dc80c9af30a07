import { Field, ID, InputType } from 'type-graphql';
import { PlanCode, UserRole, UserType } from './tenancy.enums';

@InputType()
export class CreateAgencyInput {
  @Field() name: string;
  @Field(() => PlanCode) plan: PlanCode;
  @Field() adminEmail: string;
  @Field() adminName: string;
}

@InputType()
export class CreateLocationInput {
  @Field(() => ID) agencyId: string;
  @Field() name: string;
  @Field() timezone: string;
}

@InputType()
export class CreateUserInput {
  @Field(() => ID) agencyId: string;
  @Field() email: string;
  @Field() name: string;
  @Field(() => UserType) type: UserType;
  @Field(() => UserRole) role: UserRole;
  @Field(() => [ID]) locationIds: string[];
}
