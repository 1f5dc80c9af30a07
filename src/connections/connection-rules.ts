import { DomainError } from '../app/errors/domain.error';
import { Provider } from './connection.enums';

// Messages of PRODUCT.md's connection rules, in one place.
const NAME: Record<Provider, string> = { OUTLOOK: 'Outlook', GOOGLE: 'Google' };

export const connectedToAnotherUser = (provider: Provider, email: string) =>
  new DomainError(
    'ACCOUNT_CONNECTED_TO_ANOTHER_USER',
    `The ${NAME[provider]} account ${email} is already connected by another user. One ${NAME[provider]} account can belong to only one user. ` +
      `Workaround: connect a different ${NAME[provider]} account here, then share the calendar from ${email} with that account.`,
    { account: email },
  );

export const inAnotherLocation = (provider: Provider, email: string) =>
  new DomainError(
    'ACCOUNT_IN_ANOTHER_LOCATION',
    `You have already connected the ${NAME[provider]} account ${email} in another location, and this agency allows an account in one location only.`,
    { account: email },
  );

export const alreadyConnected = (provider: Provider, existingEmail: string) =>
  new DomainError(
    'ACCOUNT_ALREADY_CONNECTED',
    `You already have the ${NAME[provider]} account ${existingEmail} connected in this location. Disconnect it first to connect a different one.`,
    { account: existingEmail },
  );

const INTEGRATION: Record<Provider, string> = { OUTLOOK: 'Outlook Integration', GOOGLE: 'Google Calendar Integration' };

/** lastError of a connection whose feature the plan lost or the location switched off (its push is stopped). */
export const featureOffMessage = (provider: Provider) =>
  `${INTEGRATION[provider]} is no longer enabled for this location (its plan or the location's settings changed), so this connection stopped syncing. ` +
  `Its calendars and settings are kept; syncing resumes when the feature is enabled again.`;
