import { expandSeries } from './recurrence-expander';
import type { Recurrence, StoredEvent } from './microsoft-model';

function master(recurrence: Recurrence, startLocal = '2030-01-01T09:00:00', endLocal = '2030-01-01T10:00:00', timeZone = 'UTC'): StoredEvent {
  return {
    id: 'AAMkMASTER',
    calendarId: 'c',
    subject: 's',
    bodyContent: '',
    startLocal,
    endLocal,
    timeZone,
    endTimeZone: timeZone,
    startMs: Date.parse(`${startLocal}Z`),
    endMs: Date.parse(`${endLocal}Z`),
    isAllDay: false,
    isCancelled: false,
    showAs: 'busy',
    sensitivity: 'normal',
    transactionId: null,
    iCalUId: 'x',
    changeKey: 'k',
    createdMs: 0,
    modifiedMs: 0,
    seq: 1,
    recurrence,
    exceptions: new Map(),
  };
}

const starts = (e: StoredEvent, from = '2030-01-01', to = '2031-01-01') =>
  expandSeries(e, Date.parse(from), Date.parse(to)).map((i) => new Date(i.startMs).toISOString().slice(0, 16));

describe('expandSeries', () => {
  it('expands daily with an interval and an end date', () => {
    const e = master({ pattern: { type: 'daily', interval: 2 }, range: { type: 'endDate', startDate: '2030-01-01', endDate: '2030-01-07' } });
    expect(starts(e)).toEqual(['2030-01-01T09:00', '2030-01-03T09:00', '2030-01-05T09:00', '2030-01-07T09:00']);
  });

  it('expands weekly on several days, every other week, counted occurrences', () => {
    const e = master({ pattern: { type: 'weekly', interval: 2, daysOfWeek: ['tuesday', 'thursday'], firstDayOfWeek: 'sunday' }, range: { type: 'numbered', startDate: '2030-01-01', numberOfOccurrences: 5 } });
    expect(starts(e)).toEqual(['2030-01-01T09:00', '2030-01-03T09:00', '2030-01-15T09:00', '2030-01-17T09:00', '2030-01-29T09:00']);
  });

  it('puts an absolute day past the end of a month on its last day, as Exchange does', () => {
    const abs = master({ pattern: { type: 'absoluteMonthly', interval: 1, dayOfMonth: 31 }, range: { type: 'numbered', startDate: '2030-01-01', numberOfOccurrences: 4 } });
    expect(starts(abs)).toEqual(['2030-01-31T09:00', '2030-02-28T09:00', '2030-03-31T09:00', '2030-04-30T09:00']);
    // 29 February: itself in a leap year, the 28th otherwise
    const leap = master({ pattern: { type: 'absoluteYearly', interval: 1, month: 2, dayOfMonth: 29 }, range: { type: 'numbered', startDate: '2027-01-01', numberOfOccurrences: 3 } });
    expect(starts(leap, '2027-01-01', '2030-01-01')).toEqual(['2027-02-28T09:00', '2028-02-29T09:00', '2029-02-28T09:00']);
  });

  it('counts absolute months from the start date, to an inclusive end date', () => {
    const e = master({ pattern: { type: 'absoluteMonthly', interval: 3, dayOfMonth: 15 }, range: { type: 'endDate', startDate: '2030-01-10', endDate: '2030-10-15' } });
    expect(starts(e)).toEqual(['2030-01-15T09:00', '2030-04-15T09:00', '2030-07-15T09:00', '2030-10-15T09:00']);
    // a start date after the day: the first occurrence is next time round
    const later = master({ pattern: { type: 'absoluteMonthly', interval: 2, dayOfMonth: 5 }, range: { type: 'numbered', startDate: '2030-01-20', numberOfOccurrences: 2 } });
    expect(starts(later)).toEqual(['2030-03-05T09:00', '2030-05-05T09:00']);
  });

  it('picks the indexed day of the week in each month, counting the days of any listed weekday', () => {
    const second = master({ pattern: { type: 'relativeMonthly', interval: 1, daysOfWeek: ['tuesday'], index: 'second' }, range: { type: 'noEnd', startDate: '2030-01-01' } });
    expect(starts(second, '2030-01-01', '2030-04-01')).toEqual(['2030-01-08T09:00', '2030-02-12T09:00', '2030-03-12T09:00']);
    const lastFriday = master({ pattern: { type: 'relativeMonthly', interval: 1, daysOfWeek: ['friday'], index: 'last' }, range: { type: 'numbered', startDate: '2030-01-01', numberOfOccurrences: 2 } });
    expect(starts(lastFriday)).toEqual(['2030-01-25T09:00', '2030-02-22T09:00']);
    const weekdays = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'];
    // "the first weekday": 1 June 2030 is a Saturday, 1 September a Sunday
    const firstWeekday = master({ pattern: { type: 'relativeMonthly', interval: 1, daysOfWeek: weekdays, index: 'first' }, range: { type: 'numbered', startDate: '2030-06-01', numberOfOccurrences: 4 } });
    expect(starts(firstWeekday)).toEqual(['2030-06-03T09:00', '2030-07-01T09:00', '2030-08-01T09:00', '2030-09-02T09:00']);
    const lastWeekendDay = master({ pattern: { type: 'relativeMonthly', interval: 1, daysOfWeek: ['saturday', 'sunday'], index: 'last' }, range: { type: 'numbered', startDate: '2030-01-01', numberOfOccurrences: 3 } });
    expect(starts(lastWeekendDay)).toEqual(['2030-01-27T09:00', '2030-02-24T09:00', '2030-03-31T09:00']);
    const everyOther = master({ pattern: { type: 'relativeMonthly', interval: 2, daysOfWeek: ['monday'], index: 'first' }, range: { type: 'numbered', startDate: '2030-01-01', numberOfOccurrences: 3 } });
    expect(starts(everyOther)).toEqual(['2030-01-07T09:00', '2030-03-04T09:00', '2030-05-06T09:00']);
  });

  it('expands relative and absolute yearly patterns in their month', () => {
    const thanksgiving = master({ pattern: { type: 'relativeYearly', interval: 1, month: 11, daysOfWeek: ['thursday'], index: 'fourth' }, range: { type: 'numbered', startDate: '2030-01-01', numberOfOccurrences: 2 } });
    expect(starts(thanksgiving, '2030-01-01', '2032-01-01')).toEqual(['2030-11-28T09:00', '2031-11-27T09:00']);
    const birthday = master({ pattern: { type: 'absoluteYearly', interval: 2, month: 7, dayOfMonth: 4 }, range: { type: 'endDate', startDate: '2030-01-01', endDate: '2034-07-04' } });
    expect(starts(birthday, '2030-01-01', '2035-01-01')).toEqual(['2030-07-04T09:00', '2032-07-04T09:00', '2034-07-04T09:00']);
  });

  it('clips an endless series to the window', () => {
    const e = master({ pattern: { type: 'absoluteMonthly', interval: 1, dayOfMonth: 1 }, range: { type: 'noEnd', startDate: '2030-01-01' } });
    expect(starts(e, '2035-03-15', '2035-06-15')).toEqual(['2035-04-01T09:00', '2035-05-01T09:00', '2035-06-01T09:00']);
  });

  it('keeps the wall-clock time of a monthly series across DST', () => {
    const e = master({ pattern: { type: 'relativeMonthly', interval: 1, daysOfWeek: ['sunday'], index: 'last' }, range: { type: 'numbered', startDate: '2030-02-01', numberOfOccurrences: 3 } }, '2030-02-24T09:00:00', '2030-02-24T10:00:00', 'W. Europe Standard Time');
    // 31 March 2030, the last Sunday of March, is the day Europe moves to summer time
    expect(starts(e)).toEqual(['2030-02-24T08:00', '2030-03-31T07:00', '2030-04-28T07:00']);
  });

  it('groups weeks from firstDayOfWeek when the interval skips weeks', () => {
    const weekly = (firstDayOfWeek: string) =>
      master({ pattern: { type: 'weekly', interval: 2, daysOfWeek: ['tuesday', 'sunday'], firstDayOfWeek }, range: { type: 'numbered', startDate: '2030-08-06', numberOfOccurrences: 4 } }, '2030-08-06T09:00:00', '2030-08-06T10:00:00');
    // 6 August 2030 is a Tuesday
    expect(starts(weekly('monday'))).toEqual(['2030-08-06T09:00', '2030-08-11T09:00', '2030-08-20T09:00', '2030-08-25T09:00']);
    expect(starts(weekly('sunday'))).toEqual(['2030-08-06T09:00', '2030-08-18T09:00', '2030-08-20T09:00', '2030-09-01T09:00']);
  });

  it('keeps the wall-clock time across DST in the series zone', () => {
    const e = master({ pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] }, range: { type: 'numbered', startDate: '2030-03-18', numberOfOccurrences: 3 } }, '2030-03-18T09:00:00', '2030-03-18T10:00:00', 'W. Europe Standard Time');
    // Europe moves to summer time on 2030-03-31
    expect(starts(e)).toEqual(['2030-03-18T08:00', '2030-03-25T08:00', '2030-04-01T07:00']);
  });

  it('applies moved and cancelled exceptions, with stable occurrence ids', () => {
    const e = master({ pattern: { type: 'daily', interval: 1 }, range: { type: 'numbered', startDate: '2030-01-01', numberOfOccurrences: 3 } });
    const [first, second] = expandSeries(e, Date.parse('2030-01-01'), Date.parse('2030-02-01'));
    e.exceptions.set(first.id, { cancelled: true, changeKey: 'x', modifiedMs: 0, seq: 2 });
    e.exceptions.set(second.id, { cancelled: false, startLocal: '2030-01-02T15:00:00', endLocal: '2030-01-02T16:00:00', startMs: Date.parse('2030-01-02T15:00:00Z'), endMs: Date.parse('2030-01-02T16:00:00Z'), changeKey: 'y', modifiedMs: 0, seq: 3 });
    const items = expandSeries(e, Date.parse('2030-01-01'), Date.parse('2030-02-01'));
    expect(items.map((i) => [i.id === second.id, new Date(i.startMs).toISOString().slice(0, 16), i.seq])).toEqual([
      [true, '2030-01-02T15:00', 3],
      [false, '2030-01-03T09:00', 1],
    ]);
  });
});
