import { expandRecurrence } from './rrule-expander';

const ms = (iso: string) => Date.parse(iso);
const all = [ms('2000-01-01T00:00:00Z'), ms('2100-01-01T00:00:00Z')] as const;

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
