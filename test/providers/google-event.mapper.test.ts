import { eventIdForKey } from '../../src/providers/google/google-event-id';
import { clientKeyOf, mapGoogleEvent, toGoogleEventBody, toInstant } from '../../src/providers/google/google-event.mapper';

describe('mapGoogleEvent', () => {
  it('normalises a timed event to UTC instants', () => {
    expect(
      mapGoogleEvent(
        { id: 'e1', status: 'confirmed', summary: 'Call', start: { dateTime: '2025-03-03T10:00:00+01:00' }, end: { dateTime: '2025-03-03T11:00:00+01:00' }, etag: '"7"' },
        'Europe/Berlin',
      ),
    ).toEqual({
      kind: 'upsert',
      event: {
        externalId: 'e1',
        title: 'Call',
        start: new Date('2025-03-03T09:00:00Z'),
        end: new Date('2025-03-03T10:00:00Z'),
        isAllDay: false,
        availability: 'BUSY',
        seriesExternalId: null,
        version: '"7"',
        clientKey: null,
      },
    });
  });

  it('says FREE only for transparent events, BUSY whatever the status otherwise', () => {
    const base = { id: 'e', start: { dateTime: '2025-01-01T10:00:00Z' }, end: { dateTime: '2025-01-01T11:00:00Z' } };
    const availability = (extra: object) => {
      const m = mapGoogleEvent({ ...base, ...extra }, 'UTC');
      return m.kind === 'upsert' ? m.event.availability : m.kind;
    };
    expect(availability({ transparency: 'transparent' })).toBe('FREE');
    expect(availability({ transparency: 'opaque' })).toBe('BUSY');
    expect(availability({ status: 'tentative' })).toBe('BUSY');
    expect(availability({})).toBe('BUSY');
  });

  it('reports cancelled items, even bare ones, as removed', () => {
    expect(mapGoogleEvent({ id: 'gone', status: 'cancelled' }, 'UTC')).toEqual({ kind: 'removed', id: 'gone' });
  });

  it('spans all-day events midnight to midnight in the calendar zone, across DST', () => {
    const m = mapGoogleEvent({ id: 'd', start: { date: '2025-03-29' }, end: { date: '2025-03-31' } }, 'Europe/Berlin');
    expect(m).toMatchObject({ kind: 'upsert', event: { isAllDay: true, start: new Date('2025-03-28T23:00:00Z'), end: new Date('2025-03-30T22:00:00Z') } });
  });

  it('keeps series, instance ids and our idempotency key', () => {
    const ours = eventIdForKey('k-1');
    const m = mapGoogleEvent(
      {
        id: `${ours}_20250303T090000Z`,
        recurringEventId: ours,
        start: { dateTime: '2025-03-03T09:00:00Z' },
        end: { dateTime: '2025-03-03T10:00:00Z' },
        extendedProperties: { private: { calbridgeKey: 'k-1' } },
      },
      null,
    );
    expect(m).toMatchObject({ kind: 'upsert', event: { externalId: `${ours}_20250303T090000Z`, seriesExternalId: ours, clientKey: 'k-1' } });
  });

  it('trusts the key only on the event whose id came from it (a copy of our event is the user\'s)', () => {
    const props = { extendedProperties: { private: { calbridgeKey: 'k-1' } } };
    expect(clientKeyOf({ id: eventIdForKey('k-1'), ...props })).toBe('k-1');
    expect(clientKeyOf({ id: 'copyofitmadeinthecalendarui', ...props })).toBeNull();
    expect(clientKeyOf({ id: eventIdForKey('k-1') })).toBeNull();
  });

  it('skips items without usable times', () => {
    expect(mapGoogleEvent({ id: 'x', start: {}, end: {} }, 'UTC')).toEqual({ kind: 'skip' });
  });
});

describe('toInstant', () => {
  it('reads a local date-time in its own zone, and all-day dates in UTC without a calendar zone', () => {
    expect(toInstant({ dateTime: '2025-07-01T09:00:00', timeZone: 'America/New_York' }, 'UTC')).toEqual(new Date('2025-07-01T13:00:00Z'));
    expect(toInstant({ date: '2025-07-01' }, null)).toEqual(new Date('2025-07-01T00:00:00Z'));
  });
});

describe('toGoogleEventBody', () => {
  it('writes wall-clock times in the event zone', () => {
    expect(toGoogleEventBody({ title: 'T', start: new Date('2025-06-02T08:00:00Z'), end: new Date('2025-06-02T08:30:00Z'), timeZone: 'Europe/Paris' })).toEqual({
      summary: 'T',
      start: { dateTime: '2025-06-02T10:00:00+02:00', timeZone: 'Europe/Paris' },
      end: { dateTime: '2025-06-02T10:30:00+02:00', timeZone: 'Europe/Paris' },
    });
  });
});
