import { GraphQLError } from 'graphql';
import { DomainError } from '../../src/app/errors/domain.error';
import { coercionField, formatError } from '../../src/app/errors/error-formatter';
import { publicError } from '../../src/app/errors/public-error';
import {
  AccessTokenExpiredError,
  AuthorizationCodeRefusedError,
  CursorExpiredError,
  GrantRevokedError,
  ProviderNotFoundError,
  ProviderRequestRejectedError,
  ProviderThrottledError,
  ProviderUnavailableError,
  PushSetupFailedError,
  UnsupportedMailboxError,
} from '../../src/providers/provider.errors';

// Provider failures are internal: callers get a contract code and a fixed message, never the transport details.

const LEAKY = 'request to https://127.0.0.1:54321/v1.0/me/calendars failed, reason: connect ECONNREFUSED 127.0.0.1:54321';

describe('the public form of provider failures', () => {
  test.each([
    ['GOOGLE', 'Google Calendar is not responding right now. Try again in a minute.'],
    ['OUTLOOK', 'Outlook is not responding right now. Try again in a minute.'],
  ] as const)('%s outage: PROVIDER_UNAVAILABLE with the fixed message', (provider, message) => {
    for (const err of [new ProviderUnavailableError(LEAKY), new AccessTokenExpiredError(LEAKY), new CursorExpiredError(LEAKY), new PushSetupFailedError(LEAKY)]) {
      const shown = publicError(err.from(provider))!;
      expect(shown).toBeInstanceOf(DomainError);
      expect({ code: shown.code, message: shown.message, extensions: shown.extensions }).toEqual({ code: 'PROVIDER_UNAVAILABLE', message, extensions: {} });
    }
  });

  test('throttling says when to come back, in seconds', () => {
    const shown = publicError(new ProviderThrottledError(2500, LEAKY).from('GOOGLE'))!;
    expect(shown.code).toBe('PROVIDER_UNAVAILABLE');
    expect(shown.extensions).toEqual({ retryAfterSeconds: 3 });
  });

  test('specific contract codes where one exists', () => {
    expect(publicError(new AuthorizationCodeRefusedError(LEAKY).from('OUTLOOK'))!.code).toBe('OAUTH_STATE_INVALID');
    expect(publicError(new GrantRevokedError(LEAKY).from('GOOGLE'))!.code).toBe('CONNECTION_NEEDS_REAUTH');
    expect(publicError(new UnsupportedMailboxError(LEAKY).from('OUTLOOK'))!.message).toMatch(/on-premises Exchange.*Office 365/);
    expect(publicError(new ProviderNotFoundError(LEAKY).from('GOOGLE'))!.code).toBe('NOT_FOUND');
    expect(publicError(new ProviderRequestRejectedError(403, 'ErrorAccessDenied', LEAKY).from('OUTLOOK'))!.code).toBe('PROVIDER_UNAVAILABLE');
  });

  test('no public message carries the details; a provider error is no domain error', () => {
    const all = [
      new ProviderUnavailableError(LEAKY),
      new ProviderThrottledError(1000, LEAKY),
      new AccessTokenExpiredError(LEAKY),
      new GrantRevokedError(LEAKY),
      new AuthorizationCodeRefusedError(LEAKY),
      new CursorExpiredError(LEAKY),
      new ProviderNotFoundError(LEAKY),
      new UnsupportedMailboxError(LEAKY),
      new PushSetupFailedError(LEAKY),
      new ProviderRequestRejectedError(400, 'invalidRequest', LEAKY),
    ];
    for (const err of all) {
      expect(err).not.toBeInstanceOf(DomainError);
      const shown = publicError(err)!;
      expect(JSON.stringify({ m: shown.message, e: shown.extensions })).not.toMatch(/127\.0\.0\.1|54321|ECONNREFUSED|\/v1\.0|https?:/);
    }
    // Without a known provider the message still holds.
    expect(publicError(new ProviderUnavailableError(LEAKY))!.message).toBe('The calendar provider is not responding right now. Try again in a minute.');
  });

  test('the GraphQL formatter uses the same mapping', () => {
    const formatted = formatError({ message: LEAKY, path: ['resyncConnection'] }, new ProviderUnavailableError(LEAKY).from('OUTLOOK'));
    expect(formatted).toEqual({ message: 'Outlook is not responding right now. Try again in a minute.', path: ['resyncConnection'], locations: undefined, extensions: { code: 'PROVIDER_UNAVAILABLE' } });
  });
});

describe('variables that cannot be coerced name their field, like our own BAD_USER_INPUT errors', () => {
  test.each([
    ['Variable "$input" got invalid value "x" at "input.startTime"; DateTime cannot represent an invalid date-time-string x.', 'startTime'],
    ['Variable "$input" got invalid value "MONDAY" at "input.weeklyHours[0].day"; Value "MONDAY" does not exist in "Weekday" enum.', 'weeklyHours'],
    ['Variable "$inputs" got invalid value 1 at "inputs[2].slotDurationMinutes"; Int cannot represent non-integer value: 1.5', 'slotDurationMinutes'],
    ['Variable "$from" got invalid value "nope"; DateTime cannot represent an invalid date-time-string nope.', 'from'],
    ['Variable "$ids" got invalid value 7 at "ids[1]"; ID cannot represent value: {}', 'ids'],
    ['Variable "$input" of required type "BookAppointmentInput!" was not provided.', 'input'],
    ['Cannot query field "nope" on type "Query".', null],
  ])('%s → %s', (message, field) => {
    expect(coercionField(message)).toBe(field);
  });

  test('the formatter adds extensions.field to Apollo\'s BAD_USER_INPUT', () => {
    const message = 'Variable "$input" got invalid value "x" at "input.startTime"; DateTime cannot represent an invalid date-time-string x.';
    expect(formatError({ message, extensions: { code: 'BAD_USER_INPUT' } }, new GraphQLError(message)).extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'startTime' });
  });
});
