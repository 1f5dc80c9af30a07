import { Field, ObjectType } from 'type-graphql';
import { Connection } from './connection.entity';

@ObjectType('ConnectionAuthorization')
export class ConnectionAuthorization {
  @Field() authorizationUrl: string;
  @Field() state: string;
}

@ObjectType('SyncStatusEvent')
export class SyncStatusEvent {
  @Field(() => Connection) connection: Connection;
  @Field() at: Date;
}
