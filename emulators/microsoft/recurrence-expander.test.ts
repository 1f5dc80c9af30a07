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

  it('expands absolute and relative monthly patterns', () => {
    const abs = master({ pattern: { type: 'absoluteMonthly', interval: 1, dayOfMonth: 31 }, range: { type: 'numbered', startDate: '2030-01-01', numberOfOccurrences: 3 } });
    expect(starts(abs)).toEqual(['2030-01-31T09:00', '2030-03-31T09:00', '2030-05-31T09:00']);
    const rel = master({ pattern: { type: 'relativeMonthly', interval: 1, daysOfWeek: ['friday'], index: 'last' }, range: { type: 'numbered', startDate: '2030-01-01', numberOfOccurrences: 2 } });
    expect(starts(rel)).toEqual(['2030-01-25T09:00', '2030-02-22T09:00']);
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
