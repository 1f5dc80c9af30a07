import { toGraphEventBody, toNormalizedEvent } from '../../src/providers/outlook/outlook-event.mapper';
import { setUnknownZoneReporter, toIanaZone, toWindowsZone, type ZoneDirection } from '../../src/providers/outlook/windows-zones';

// The Windows ↔ IANA mapping (windows-iana, CLDR) as the Outlook driver uses it: reading zones Graph echoes,
// and naming the zone of the events it writes.

let unknown: Array<[string, ZoneDirection]>;
beforeEach(() => {
  unknown = [];
  setUnknownZoneReporter((name, direction) => unknown.push([name, direction]));
});
afterAll(() => setUnknownZoneReporter(null));

describe('Windows → IANA', () => {
  it.each([
    ['W. Europe Standard Time', 'Europe/Berlin'],
    ['Pacific Standard Time', 'America/Los_Angeles'],
    ['AUS Eastern Standard Time', 'Australia/Sydney'],
    ['India Standard Time', 'Asia/Calcutta'],
    ['Nepal Standard Time', 'Asia/Katmandu'],
    ['Chatham Islands Standard Time', 'Pacific/Chatham'],
    ['Dateline Standard Time', 'Etc/GMT+12'],
    ['UTC-11', 'Etc/GMT+11'],
    ['Yukon Standard Time', 'America/Whitehorse'],
    ['Volgograd Standard Time', 'Europe/Volgograd'],
    ['South Sudan Standard Time', 'Africa/Juba'],
  ])('%s → %s', (windows, iana) => {
    expect(toIanaZone(windows)).toBe(iana);
    expect(unknown).toEqual([]);
  });

  it('reads the UTC names Graph uses, and passes IANA names through', () => {
    for (const utc of ['UTC', 'Coordinated Universal Time', 'tzone://Microsoft/Utc', 'Etc/UTC']) expect(toIanaZone(utc)).toBe('UTC');
    expect(toIanaZone('Asia/Tokyo')).toBe('Asia/Tokyo');
    expect(toIanaZone('America/Argentina/Buenos_Aires')).toBe('America/Argentina/Buenos_Aires');
    expect(toIanaZone(null)).toBeNull();
    expect(unknown).toEqual([]);
  });

  it('an unknown name is null and reported once, however often it is met', () => {
    expect(toIanaZone('Customized Time Zone')).toBeNull();
    expect(toIanaZone('Customized Time Zone')).toBeNull();
    expect(toIanaZone('Mars Standard Time')).toBeNull();
    expect(unknown).toEqual([
      ['Customized Time Zone', 'windows-to-iana'],
      ['Mars Standard Time', 'windows-to-iana'],
    ]);
  });

  it('an all-day event whose own zone is unknown falls back to the calendar zone', () => {
    const allDay = {
      id: 'e1',
      isAllDay: true,
      originalStartTimeZone: 'Customized Time Zone',
      start: { dateTime: '2030-01-15T00:00:00.0000000', timeZone: 'UTC' },
      end: { dateTime: '2030-01-16T00:00:00.0000000', timeZone: 'UTC' },
    };
    const e = toNormalizedEvent(allDay, 'America/New_York');
    expect([e.start, e.end]).toEqual([new Date('2030-01-15T05:00:00Z'), new Date('2030-01-16T05:00:00Z')]);
    // in its own (Windows-named) zone when it has one: Kathmandu's midnight, +05:45
    const nepal = toNormalizedEvent({ ...allDay, originalStartTimeZone: 'Nepal Standard Time' }, 'America/New_York');
    expect(nepal.start).toEqual(new Date('2030-01-14T18:15:00Z'));
  });
});

describe('IANA → Windows', () => {
  it.each([
    ['America/Los_Angeles', 'Pacific Standard Time'],
    ['Europe/Amsterdam', 'W. Europe Standard Time'],
    ['Asia/Kolkata', 'India Standard Time'],
    ['Asia/Calcutta', 'India Standard Time'],
    ['America/Nuuk', 'Greenland Standard Time'],
    ['America/Indiana/Indianapolis', 'US Eastern Standard Time'],
    ['US/Pacific', 'Pacific Standard Time'],
    // newer than CLDR's table: found through ICU's canonical name (Europe/Kiev)
    ['Europe/Kyiv', 'FLE Standard Time'],
    ['Etc/GMT+5', 'SA Pacific Standard Time'],
    ['UTC', 'UTC'],
    ['Etc/UTC', 'UTC'],
  ])('%s → %s', (iana, windows) => {
    expect(toWindowsZone(iana)).toBe(windows);
    expect(unknown).toEqual([]);
  });

  it('passes a Windows name through', () => {
    expect(toWindowsZone('Tokyo Standard Time')).toBe('Tokyo Standard Time');
  });

  it('a zone Windows has no name for is null and reported', () => {
    expect(toWindowsZone('Antarctica/Troll')).toBeNull();
    expect(toWindowsZone('Not/AZone')).toBeNull();
    expect(unknown).toEqual([
      ['Antarctica/Troll', 'iana-to-windows'],
      ['Not/AZone', 'iana-to-windows'],
    ]);
  });
});

describe('the zone of a written event', () => {
  const at = { title: 'Demo', start: new Date('2030-07-01T12:00:00Z'), end: new Date('2030-07-01T12:30:00Z') };

  it('is sent under its Windows name, with the wall clock of that zone', () => {
    expect(toGraphEventBody({ ...at, timeZone: 'Asia/Kathmandu' })).toMatchObject({
      start: { dateTime: '2030-07-01T17:45:00', timeZone: 'Nepal Standard Time' },
      end: { dateTime: '2030-07-01T18:15:00', timeZone: 'Nepal Standard Time' },
    });
    expect(toGraphEventBody({ ...at, timeZone: 'Europe/Kyiv' })).toMatchObject({ start: { dateTime: '2030-07-01T15:00:00', timeZone: 'FLE Standard Time' } });
  });

  it('falls back to UTC when Windows has no name for the zone: the instants stay exact', () => {
    expect(toGraphEventBody({ ...at, timeZone: 'Antarctica/Troll' })).toMatchObject({
      start: { dateTime: '2030-07-01T12:00:00', timeZone: 'UTC' },
      end: { dateTime: '2030-07-01T12:30:00', timeZone: 'UTC' },
    });
    expect(unknown).toEqual([['Antarctica/Troll', 'iana-to-windows']]);
  });
});
