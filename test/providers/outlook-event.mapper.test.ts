import { classifyDeltaItem, instantOf, toAvailability, toGraphEventBody, toNormalizedEvent, type GraphEvent } from '../../src/providers/outlook/outlook-event.mapper';

const base: GraphEvent = {
  id: 'AAMkEvent1',
  subject: 'Call',
  start: { dateTime: '2030-01-15T10:00:00.0000000', timeZone: 'UTC' },
  end: { dateTime: '2030-01-15T10:30:00.0000000', timeZone: 'UTC' },
  isAllDay: false,
  isCancelled: false,
  showAs: 'busy',
  type: 'singleInstance',
  changeKey: 'ck1',
  transactionId: 'calbridge:k-1',
  originalStartTimeZone: 'Pacific Standard Time',
};

describe('instantOf', () => {
  it('reads UTC with 7 fraction digits', () => {
    expect(instantOf({ dateTime: '2030-01-15T10:00:00.1234567', timeZone: 'UTC' })).toEqual(new Date('2030-01-15T10:00:00.123Z'));
  });
  it('reads Windows and IANA zones, across DST', () => {
    expect(instantOf({ dateTime: '2030-01-15T10:00:00.0000000', timeZone: 'Pacific Standard Time' })).toEqual(new Date('2030-01-15T18:00:00Z'));
    expect(instantOf({ dateTime: '2030-07-15T10:00:00.0000000', timeZone: 'Pacific Standard Time' })).toEqual(new Date('2030-07-15T17:00:00Z'));
    expect(instantOf({ dateTime: '2030-07-15T10:00:00', timeZone: 'Europe/Paris' })).toEqual(new Date('2030-07-15T08:00:00Z'));
    expect(instantOf({ dateTime: '2030-07-15T10:00:00', timeZone: 'tzone://Microsoft/Utc' })).toEqual(new Date('2030-07-15T10:00:00Z'));
  });
  it('honours an explicit offset', () => {
    expect(instantOf({ dateTime: '2030-07-15T10:00:00+02:00', timeZone: 'UTC' })).toEqual(new Date('2030-07-15T08:00:00Z'));
  });
});

describe('toNormalizedEvent', () => {
  it('maps a single event', () => {
    expect(toNormalizedEvent(base)).toEqual({
      externalId: 'AAMkEvent1',
      title: 'Call',
      start: new Date('2030-01-15T10:00:00Z'),
      end: new Date('2030-01-15T10:30:00Z'),
      isAllDay: false,
      availability: 'BUSY',
      seriesExternalId: null,
      version: 'ck1',
      clientKey: 'k-1',
    });
  });

  it('anchors an all-day event at midnight in its own zone, not the zone it was read in', () => {
    const allDay = {
      ...base,
      isAllDay: true,
      originalStartTimeZone: 'Tokyo Standard Time',
      start: { dateTime: '2030-01-15T00:00:00.0000000', timeZone: 'UTC' },
      end: { dateTime: '2030-01-17T00:00:00.0000000', timeZone: 'UTC' },
    };
    const e = toNormalizedEvent(allDay, 'Europe/Berlin');
    expect([e.start, e.end, e.isAllDay]).toEqual([new Date('2030-01-14T15:00:00Z'), new Date('2030-01-16T15:00:00Z'), true]);
    // No usable zone of its own: the calendar's
    const custom = toNormalizedEvent({ ...allDay, originalStartTimeZone: 'tzone://Microsoft/Custom' }, 'Europe/Berlin');
    expect(custom.start).toEqual(new Date('2030-01-14T23:00:00Z'));
  });

  it('recognises our events by the prefix of their transactionId, not the GUIDs Outlook clients set', () => {
    expect(toNormalizedEvent({ ...base, transactionId: 'calbridge:appt-1:v2' }).clientKey).toBe('appt-1:v2');
    expect(toNormalizedEvent({ ...base, transactionId: 'c7555340-474b-cf1f-5bd8-d9e197da220e' }).clientKey).toBeNull();
    expect(toNormalizedEvent({ ...base, transactionId: null }).clientKey).toBeNull();
    expect(toNormalizedEvent({ ...base, transactionId: undefined }).clientKey).toBeNull();
  });

  it('keeps the series of an occurrence and falls back to the etag as version', () => {
    const e = toNormalizedEvent({ ...base, type: 'occurrence', seriesMasterId: 'AAMkMaster', changeKey: null, '@odata.etag': 'W/"x"', transactionId: null });
    expect(e).toMatchObject({ seriesExternalId: 'AAMkMaster', version: 'W/"x"', clientKey: null });
  });
});

describe('toAvailability', () => {
  it.each([
    ['free', 'FREE'],
    ['tentative', 'TENTATIVE'],
    ['busy', 'BUSY'],
    ['oof', 'OUT_OF_OFFICE'],
    ['workingElsewhere', 'WORKING_ELSEWHERE'],
    ['unknown', 'UNKNOWN'],
    [null, 'UNKNOWN'],
    ['somethingNew', 'UNKNOWN'],
  ])('%s → %s', (showAs, expected) => expect(toAvailability(showAs)).toBe(expected));
});

describe('classifyDeltaItem', () => {
  it('treats @removed and cancelled items as removals, skips masters', () => {
    expect(classifyDeltaItem({ id: 'gone', '@removed': { reason: 'deleted' } })).toEqual({ kind: 'removed', id: 'gone' });
    expect(classifyDeltaItem({ ...base, isCancelled: true })).toEqual({ kind: 'removed', id: 'AAMkEvent1' });
    expect(classifyDeltaItem({ ...base, type: 'seriesMaster' })).toEqual({ kind: 'skip' });
    expect(classifyDeltaItem(base)).toMatchObject({ kind: 'upsert', event: { externalId: 'AAMkEvent1' } });
  });
});

describe('toGraphEventBody', () => {
  it('writes wall-clock times in the event zone under its Windows name, with the transactionId', () => {
    const body = toGraphEventBody(
      { title: 'Demo', description: 'Notes', start: new Date('2030-07-01T12:00:00Z'), end: new Date('2030-07-01T12:30:00Z'), timeZone: 'America/New_York' },
      'key-1',
    );
    expect(body).toEqual({
      subject: 'Demo',
      body: { contentType: 'text', content: 'Notes' },
      start: { dateTime: '2030-07-01T08:00:00', timeZone: 'Eastern Standard Time' },
      end: { dateTime: '2030-07-01T08:30:00', timeZone: 'Eastern Standard Time' },
      showAs: 'busy',
      transactionId: 'calbridge:key-1',
    });
  });
  it('leaves the body alone when there is no description, and sends no transactionId on updates', () => {
    const body = toGraphEventBody({ title: 'x', start: new Date('2030-07-01T12:00:00Z'), end: new Date('2030-07-01T13:00:00Z'), timeZone: 'UTC' });
    expect(body).not.toHaveProperty('body');
    expect(body).not.toHaveProperty('transactionId');
    expect(body.start).toEqual({ dateTime: '2030-07-01T12:00:00', timeZone: 'UTC' });
  });
});
