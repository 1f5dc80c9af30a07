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
  @Field({ description: 'True when the connection was removed (disconnected, or its user left the location); `connection` then shows it as it was.' })
  disconnected: boolean;
}
