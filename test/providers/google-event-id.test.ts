import { base32hex, eventIdForKey, isGoogleClientId } from '../../src/providers/google/google-event-id';

describe('eventIdForKey', () => {
  it('is deterministic, distinct per key and valid for Google', () => {
    const a = eventIdForKey('appointment-1');
    expect(eventIdForKey('appointment-1')).toBe(a);
    expect(eventIdForKey('appointment-2')).not.toBe(a);
    expect(a).toHaveLength(52);
    expect(isGoogleClientId(a)).toBe(true);
  });

  it('encodes base32hex (RFC 4648, lower case, unpadded)', () => {
    expect(base32hex(Buffer.from('foobar'))).toBe('cpnmuoj1e8');
    expect(base32hex(Buffer.from('f'))).toBe('co');
  });
});
