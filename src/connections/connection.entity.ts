import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { ConnectionStatus, PauseReason, Provider, SyncState } from './connection.enums';

/** A user's provider account connected in one location. Tokens live encrypted in `credentials`. */
@ObjectType('Connection')
@Entity('connections')
export class Connection {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'agency_id', type: 'uuid' }) agencyId: string;
  @Column({ name: 'location_id', type: 'uuid' }) locationId: string;
  @Column({ name: 'user_id', type: 'uuid' }) userId: string;

  @Field(() => Provider)
  @Column({ type: 'text' })
  provider: Provider;

  /** Immutable provider id (Microsoft tid.oid, Google sub), never the email. */
  @Column({ name: 'account_external_id', type: 'text' })
  accountExternalId: string;

  @Field()
  @Column({ name: 'account_email', type: 'text' })
  accountEmail: string;

  @Field(() => ConnectionStatus)
  @Column({ type: 'text' })
  status: ConnectionStatus;

  @Field(() => SyncState)
  @Column({ name: 'sync_state', type: 'text' })
  syncState: SyncState;

  @Field(() => Date, { nullable: true })
  @Column({ name: 'last_synced_at', type: 'timestamptz', nullable: true })
  lastSyncedAt: Date | null;

  @Field(() => String, { nullable: true })
  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  /** Set while the connection does no provider work (downgrade, location switch, refused grant). */
  @Column({ name: 'pause_reason', type: 'text', default: PauseReason.NONE })
  pauseReason: PauseReason;

  /** Encrypted TokenSet (token-cipher); never exposed, never logged. */
  @Column({ type: 'text', select: true })
  credentials: string;

  @Column({ name: 'granted_scopes', type: 'text', array: true })
  grantedScopes: string[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
