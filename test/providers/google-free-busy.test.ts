import { busyBlockEvent, freeBusyCalendarError, freeBusySpans, mergeBusy } from '../../src/providers/google/google-free-busy';
import { ProviderNotFoundError, ProviderRequestRejectedError, ProviderUnavailableError } from '../../src/providers/provider.errors';

const t = (iso: string) => Date.parse(iso);

describe('freeBusySpans', () => {
  it('cuts the window into consecutive spans no longer than the limit', () => {
    const spans = freeBusySpans(new Date('2025-01-01T00:00:00Z'), new Date('2025-01-26T00:00:00Z'), 10 * 86_400_000);
    expect(spans.map((s) => [s.timeMin.toISOString().slice(0, 10), s.timeMax.toISOString().slice(0, 10)])).toEqual([
      ['2025-01-01', '2025-01-11'],
      ['2025-01-11', '2025-01-21'],
      ['2025-01-21', '2025-01-26'],
    ]);
    expect(freeBusySpans(new Date('2025-01-01T00:00:00Z'), new Date('2025-01-01T00:00:00Z'))).toEqual([]);
  });
});

describe('mergeBusy', () => {
  it('sorts, joins overlapping and touching blocks, keeps gaps, drops empty ones', () => {
    expect(
      mergeBusy([
        { start: t('2025-03-03T12:00:00Z'), end: t('2025-03-03T13:00:00Z') },
        { start: t('2025-03-03T09:00:00Z'), end: t('2025-03-03T10:00:00Z') },
        { start: t('2025-03-03T09:30:00Z'), end: t('2025-03-03T09:45:00Z') },
        { start: t('2025-03-03T10:00:00Z'), end: t('2025-03-03T11:00:00Z') },
        { start: t('2025-03-03T14:00:00Z'), end: t('2025-03-03T14:00:00Z') },
      ]),
    ).toEqual([
      { start: t('2025-03-03T09:00:00Z'), end: t('2025-03-03T11:00:00Z') },
      { start: t('2025-03-03T12:00:00Z'), end: t('2025-03-03T13:00:00Z') },
    ]);
  });
});

describe('busyBlockEvent', () => {
  it('is an untitled BUSY event whose id is derived from its times only', () => {
    const block = { start: t('2025-03-03T09:00:00Z'), end: t('2025-03-03T10:00:00Z') };
    expect(busyBlockEvent(block)).toEqual({
      externalId: 'freebusy:2025-03-03T09:00:00.000Z/2025-03-03T10:00:00.000Z',
      title: null,
      start: new Date(block.start),
      end: new Date(block.end),
      isAllDay: false,
      availability: 'BUSY',
      seriesExternalId: null,
      version: null,
      clientKey: null,
    });
    expect(busyBlockEvent({ ...block }).externalId).toBe(busyBlockEvent(block).externalId);
  });
});

describe('freeBusyCalendarError', () => {
  it('maps the per-calendar reasons of a freeBusy answer', () => {
    expect(freeBusyCalendarError('c', [{ domain: 'global', reason: 'notFound' }])).toBeInstanceOf(ProviderNotFoundError);
    expect(freeBusyCalendarError('c', [{ domain: 'global', reason: 'backendError' }])).toBeInstanceOf(ProviderUnavailableError);
    expect(freeBusyCalendarError('c', [{ domain: 'global', reason: 'groupTooBig' }])).toBeInstanceOf(ProviderRequestRejectedError);
  });
});
