import { registerEnumType } from 'type-graphql';

export enum SyncDirection {
  TWO_WAY = 'TWO_WAY',
  ONE_WAY = 'ONE_WAY',
}
registerEnumType(SyncDirection, { name: 'SyncDirection' });
