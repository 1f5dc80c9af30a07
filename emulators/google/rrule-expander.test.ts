import { expandRecurrence } from './rrule-expander';

const ms = (iso: string) => Date.parse(iso);
const all = [ms('1990-01-01T00:00:00Z'), ms('2100-01-01T00:00:00Z')] as const;

/** Start dates (or instants) of a series from `start` (local, in `zone`) with these recurrence lines. */
function series(start: string, recurrence: string[], zone = 'America/New_York', window = all): string[] {
  const timed = start.includes('T');
  const master = timed
    ? { start: { dateTime: start, timeZone: zone }, end: { dateTime: start, timeZone: zone }, recurrence }
    : { start: { date: start }, end: { date: start }, recurrence };
  return expandRecurrence(master, zone, ...window).map((o) => o.start.date ?? o.start.dateTime!.slice(0, 10));
}

describe('expandRecurrence', () => {
  it('keeps the wall-clock time of a weekly series across DST', () => {
    const occ = expandRecurrence(
      { start: { dateTime: '2025-10-20T10:00:00+02:00', timeZone: 'Europe/Berlin' }, end: { dateTime: '2025-10-20T11:00:00+02:00', timeZone: 'Europe/Berlin' }, recurrence: ['RRULE:FREQ=WEEKLY;COUNT=3'] },
      'UTC',
      ...all,
    );
    expect(occ.map((o) => [o.stamp, o.start.dateTime])).toEqual([
      ['20251020T080000Z', '2025-10-20T10:00:00+02:00'],
      ['20251027T090000Z', '2025-10-27T10:00:00+01:00'],
      ['20251103T090000Z', '2025-11-03T10:00:00+01:00'],
    ]);
  });

  it('expands BYDAY with INTERVAL and UNTIL, and honours EXDATE', () => {
    const occ = expandRecurrence(
      {
        start: { dateTime: '2025-01-06T09:00:00Z' },
        end: { dateTime: '2025-01-06T09:30:00Z' },
        recurrence: ['RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR;UNTIL=20250131T235959Z', 'EXDATE:20250120T090000Z'],
      },
      'UTC',
      ...all,
    );
    expect(occ.map((o) => o.start.dateTime)).toEqual(['2025-01-06T09:00:00Z', '2025-01-10T09:00:00Z', '2025-01-24T09:00:00Z']);
  });

  it('counts weeks from WKST when the interval skips weeks (RFC 5545 examples)', () => {
    expect(series('1997-08-05T09:00:00', ['RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO'])).toEqual(['1997-08-05', '1997-08-10', '1997-08-19', '1997-08-24']);
    expect(series('1997-08-05T09:00:00', ['RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU'])).toEqual(['1997-08-05', '1997-08-17', '1997-08-19', '1997-08-31']);
  });

  it('skips months without the day, counts occurrences before the window, and clips to it', () => {
    const monthly = expandRecurrence({ start: { date: '2025-01-31' }, end: { date: '2025-02-01' }, recurrence: ['RRULE:FREQ=MONTHLY;COUNT=3'] }, 'UTC', ...all);
    expect(monthly.map((o) => o.start.date)).toEqual(['2025-01-31', '2025-03-31', '2025-05-31']);
    const daily = { start: { dateTime: '2025-01-01T09:00:00Z' }, end: { dateTime: '2025-01-01T10:00:00Z' }, recurrence: ['RRULE:FREQ=DAILY;COUNT=5'] };
    expect(expandRecurrence(daily, 'UTC', ms('2025-01-03T00:00:00Z'), ms('2025-01-04T00:00:00Z')).map((o) => o.stamp)).toEqual(['20250103T090000Z']);
    expect(expandRecurrence(daily, 'UTC', ms('2025-01-06T00:00:00Z'), ms('2025-02-01T00:00:00Z'))).toEqual([]);
  });

  it('stamps all-day instances with their date and resolves them in the calendar zone', () => {
    const [first] = expandRecurrence({ start: { date: '2025-07-04' }, end: { date: '2025-07-05' }, recurrence: ['RRULE:FREQ=YEARLY'] }, 'America/New_York', ...all);
    expect(first).toMatchObject({ stamp: '20250704', startMs: ms('2025-07-04T04:00:00Z'), endMs: ms('2025-07-05T04:00:00Z') });
  });
});

describe('monthly rules', () => {
  it('counts BYMONTHDAY from the end of the month when negative', () => {
    expect(series('2025-01-31T09:00:00', ['RRULE:FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=4'])).toEqual(['2025-01-31', '2025-02-28', '2025-03-31', '2025-04-30']);
    // RFC 5545: the third-to-the-last day of the month
    expect(series('1997-09-28T09:00:00', ['RRULE:FREQ=MONTHLY;BYMONTHDAY=-3;COUNT=6'])).toEqual(['1997-09-28', '1997-10-29', '1997-11-28', '1997-12-29', '1998-01-29', '1998-02-26']);
  });

  it('skips a BYMONTHDAY the month does not have, and combines several days with an interval', () => {
    expect(series('2025-01-30', ['RRULE:FREQ=MONTHLY;BYMONTHDAY=30;COUNT=3'])).toEqual(['2025-01-30', '2025-03-30', '2025-04-30']);
    expect(series('2025-01-15T09:00:00', ['RRULE:FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=15,-1;COUNT=5'])).toEqual(['2025-01-15', '2025-01-31', '2025-03-15', '2025-03-31', '2025-05-15']);
  });

  it('picks the nth weekday with an ordinal BYDAY, counted from either end', () => {
    expect(series('2025-01-01T10:00:00', ['RRULE:FREQ=MONTHLY;BYDAY=2TU;COUNT=3'])).toEqual(['2025-01-14', '2025-02-11', '2025-03-11']);
    expect(series('2025-01-01T10:00:00', ['RRULE:FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20250601T000000Z'])).toEqual(['2025-01-31', '2025-02-28', '2025-03-28', '2025-04-25', '2025-05-30']);
    // RFC 5545: the first Friday, ten times
    expect(series('1997-09-05T09:00:00', ['RRULE:FREQ=MONTHLY;COUNT=4;BYDAY=1FR'])).toEqual(['1997-09-05', '1997-10-03', '1997-11-07', '1997-12-05']);
  });

  it('limits BYMONTHDAY by BYDAY (every Friday the 13th, RFC 5545)', () => {
    expect(series('1997-09-02T09:00:00', ['RRULE:FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13;COUNT=5'])).toEqual(['1998-02-13', '1998-03-13', '1998-11-13', '1999-08-13', '2000-10-13']);
  });

  it('selects with BYSETPOS among the days of each month', () => {
    // the last weekday of the month
    expect(series('2025-01-01T10:00:00', ['RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=3'])).toEqual(['2025-01-31', '2025-02-28', '2025-03-31']);
    // RFC 5545: the third instance of one of Tuesday, Wednesday or Thursday
    expect(series('1997-09-04T09:00:00', ['RRULE:FREQ=MONTHLY;COUNT=3;BYDAY=TU,WE,TH;BYSETPOS=3'])).toEqual(['1997-09-04', '1997-10-07', '1997-11-06']);
  });

  it('counts an EXDATE among COUNT and keeps the wall clock through DST, a missing hour moving forward and a doubled one meaning the first', () => {
    const spring = expandRecurrence(
      {
        start: { dateTime: '2025-02-23T02:30:00', timeZone: 'Europe/Berlin' },
        end: { dateTime: '2025-02-23T03:00:00', timeZone: 'Europe/Berlin' },
        recurrence: ['RRULE:FREQ=MONTHLY;BYDAY=-1SU;COUNT=4', 'EXDATE;TZID=Europe/Berlin:20250427T023000'],
      },
      'UTC',
      ...all,
    );
    // 30 March 2025 02:30 does not exist in Berlin: 03:30 summer time, the same instant as 02:30 winter time
    expect(spring.map((o) => new Date(o.startMs).toISOString())).toEqual(['2025-02-23T01:30:00.000Z', '2025-03-30T01:30:00.000Z', '2025-05-25T00:30:00.000Z']);
    const autumn = expandRecurrence(
      { start: { dateTime: '2025-09-28T02:30:00', timeZone: 'Europe/Berlin' }, end: { dateTime: '2025-09-28T03:00:00', timeZone: 'Europe/Berlin' }, recurrence: ['RRULE:FREQ=MONTHLY;BYDAY=-1SU;COUNT=3'] },
      'UTC',
      ...all,
    );
    // 26 October 2025 02:30 happens twice in Berlin: the first, still summer time
    expect(autumn.map((o) => new Date(o.startMs).toISOString())).toEqual(['2025-09-28T00:30:00.000Z', '2025-10-26T00:30:00.000Z', '2025-11-30T01:30:00.000Z']);
  });
});

describe('yearly rules', () => {
  it('counts ordinal BYDAY within each BYMONTH', () => {
    // the last Sunday of March (Europe's switch to summer time), the fourth Thursday of November
    expect(series('2025-01-01T02:30:00', ['RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU;COUNT=3'])).toEqual(['2025-03-30', '2026-03-29', '2027-03-28']);
    expect(series('2025-01-01T10:00:00', ['RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=4TH;COUNT=2'])).toEqual(['2025-11-27', '2026-11-26']);
    expect(series('2025-01-01T09:00:00', ['RRULE:FREQ=YEARLY;INTERVAL=2;BYMONTH=1,7;BYDAY=1MO;COUNT=4'])).toEqual(['2025-01-06', '2025-07-07', '2027-01-04', '2027-07-05']);
  });

  it('counts ordinal BYDAY within the year without BYMONTH (every 20th Monday, RFC 5545)', () => {
    expect(series('1997-05-19T09:00:00', ['RRULE:FREQ=YEARLY;BYDAY=20MO;COUNT=3'])).toEqual(['1997-05-19', '1998-05-18', '1999-05-17']);
  });

  it('expands BYMONTHDAY over every month when there is no BYMONTH', () => {
    expect(series('2025-01-01T09:00:00', ['RRULE:FREQ=YEARLY;BYMONTHDAY=1;COUNT=3'])).toEqual(['2025-01-01', '2025-02-01', '2025-03-01']);
  });

  it('gives 29 February only in leap years', () => {
    expect(series('2024-02-29', ['RRULE:FREQ=YEARLY;COUNT=2'])).toEqual(['2024-02-29', '2028-02-29']);
    expect(series('2024-02-29T09:00:00', ['RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;COUNT=2'])).toEqual(['2024-02-29', '2028-02-29']);
    // a rule that never matches ends at the window instead of looping
    expect(series('2025-01-01T09:00:00', ['RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30'])).toEqual([]);
  });
});
