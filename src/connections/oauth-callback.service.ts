import { createHash, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DomainError } from '../app/errors/domain.error';
import { TokenSet } from '../providers/calendar-provider';
import { Connection } from './connection.entity';
import { Provider } from './connection.enums';
import { ConnectionService } from './connection.service';
import { OAuthConfirmationRepository } from './oauth-confirmation.repository';
import { ProviderCalendar } from './provider-calendar.entity';
import { binding, TokenCipher } from './token-cipher';

export type CallbackOutcome =
  | { kind: 'connected'; connection: Connection; calendars: ProviderCalendar[] }
  /** The account is not obviously the CRM user's: its owner must confirm with `token` (single use). */
  | { kind: 'confirm'; token: string; accountEmail: string; userName: string; locationName: string };

export type ConnectedOutcome = Extract<CallbackOutcome, { kind: 'connected' }>;

const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');
// Held tokens are bound to their confirmation row (its token hash is its key).
const heldBinding = (tokenHash: string) => binding('oauth_confirmations.credentials', tokenHash);
const sameAddress = (a: string, b: string) => a.trim() !== '' && a.trim().toLowerCase() === b.trim().toLowerCase();

const confirmationInvalid = () =>
  new DomainError('OAUTH_STATE_INVALID', 'This confirmation is no longer valid (it was already answered, or it expired). Start connecting again.');

/**
 * The browser side of completing a connection (GET /oauth/{provider}/callback without OAUTH_RETURN_URL).
 * The state alone never attaches an account to its user: when the provider account's email is not the
 * user's, the completion waits (tokens encrypted in PostgreSQL) for a confirmation that names who and where.
 * Every check and the completion itself are ConnectionService's, the same as completeConnection's.
 */
export class OAuthCallbackService {
  constructor(
    private readonly ds: DataSource,
    private readonly connections: ConnectionService,
    private readonly confirmations: OAuthConfirmationRepository,
    private readonly cipher: TokenCipher,
  ) {}

  async receive(provider: Provider, state: string, code: string): Promise<CallbackOutcome> {
    const { attempt, verified } = await this.connections.beginCompletion(null, state, code, provider);
    const grant = await this.connections.redeemCode(attempt, verified, code);
    const parties = await this.confirmations.parties(attempt.userId, attempt.locationId);
    if (!parties) throw confirmationInvalid();
    if (sameAddress(parties.userEmail, grant.account.email)) return this.connected(await this.connections.finishCompletion(attempt, grant));

    const token = randomBytes(32).toString('base64url');
    const tokenHash = hashToken(token);
    await this.confirmations.hold({
      tokenHash,
      stateNonce: verified.nonce,
      userId: attempt.userId,
      locationId: attempt.locationId,
      provider: attempt.provider,
      accountExternalId: grant.account.externalId,
      accountEmail: grant.account.email,
      accountName: grant.account.displayName,
      credentials: this.cipher.encrypt(JSON.stringify(grant.tokens), heldBinding(tokenHash)),
      expiresAt: verified.expiresAt,
    });
    return { kind: 'confirm', token, accountEmail: grant.account.email, userName: parties.userName, locationName: parties.locationName };
  }

  /** The owner confirmed: the held completion finishes, with completeConnection's checks and rules. */
  async confirm(provider: Provider, token: string): Promise<ConnectedOutcome> {
    const held = await this.take(provider, token);
    const raw = JSON.parse(this.cipher.decrypt(held.credentials, heldBinding(held.tokenHash))) as TokenSet & { expiresAt: string };
    const tokens: TokenSet = { ...raw, expiresAt: new Date(raw.expiresAt) };
    const account = { externalId: held.accountExternalId, email: held.accountEmail, displayName: held.accountName };
    return this.connected(await this.connections.completeConfirmed(held, { tokens, account }));
  }

  /** Declined: the attempt is spent and nothing is stored. */
  async decline(provider: Provider, token: string): Promise<void> {
    await this.take(provider, token);
  }

  private async take(provider: Provider, token: string) {
    const held = token ? await this.confirmations.take(hashToken(token), provider) : null;
    if (!held) throw confirmationInvalid();
    return held;
  }

  private async connected(connection: Connection): Promise<ConnectedOutcome> {
    const calendars = await this.ds.getRepository(ProviderCalendar).find({ where: { connectionId: connection.id }, order: { isDefault: 'DESC', name: 'ASC' } });
    return { kind: 'connected', connection, calendars };
  }
}
