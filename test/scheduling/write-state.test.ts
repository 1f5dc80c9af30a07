import { DomainError } from '../../src/app/errors/domain.error';
import { ProviderWriteState as S } from '../../src/scheduling/booking/appointment.enums';
import { bookingDetails } from '../../src/scheduling/booking/booking-input';
import { aggregateWriteState } from '../../src/scheduling/booking/write-state';

describe('Appointment.providerWriteState (the contract)', () => {
  test.each([
    [[S.PENDING, S.FAILED, S.WRITTEN], S.PENDING],
    [[S.FAILED, S.WRITTEN, S.NOT_LINKED], S.FAILED],
    [[S.NOT_LINKED, S.NOT_LINKED], S.NOT_LINKED],
    [[], S.NOT_LINKED],
    [[S.WRITTEN, S.NOT_LINKED], S.WRITTEN],
    [[S.WRITTEN], S.WRITTEN],
  ])('%j → %s', (states, expected) => {
    expect(aggregateWriteState(states)).toBe(expected);
  });
});

describe('booking details', () => {
  const field = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      return (err as DomainError).extensions.field;
    }
    return undefined;
  };

  test('title trimmed, blank description dropped, attendee emails checked and deduplicated case-insensitively', () => {
    expect(bookingDetails({ title: ' Call ', description: '  ', attendeeEmails: ['a@x.test', 'A@X.test', 'b@x.test'] })).toEqual({
      title: 'Call',
      description: null,
      attendeeEmails: ['a@x.test', 'b@x.test'],
    });
  });

  test('each bad value is BAD_USER_INPUT naming its field', () => {
    expect(field(() => bookingDetails({ title: ' ' }))).toBe('title');
    expect(field(() => bookingDetails({ title: 'x', attendeeEmails: ['ok@x.test', 'nope'] }))).toBe('attendeeEmails');
    expect(field(() => bookingDetails({ title: 'x', attendeeEmails: Array.from({ length: 51 }, (_, i) => `p${i}@x.test`) }))).toBe('attendeeEmails');
    expect(field(() => bookingDetails({ title: 'x', description: 'y'.repeat(10_001) }))).toBe('description');
  });
});
