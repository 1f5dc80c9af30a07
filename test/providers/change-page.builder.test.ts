import type { NormalizedEvent } from '../../src/providers/calendar-provider';
import { ChangePageBuilder } from '../../src/providers/shared/change-page.builder';

const event = (externalId: string, title: string): NormalizedEvent => ({
  externalId,
  title,
  start: new Date('2030-01-01T10:00:00Z'),
  end: new Date('2030-01-01T11:00:00Z'),
  isAllDay: false,
  availability: 'BUSY',
  seriesExternalId: null,
  version: null,
  clientKey: null,
});

describe('ChangePageBuilder', () => {
  it('keeps the last state of an id the page lists more than once', () => {
    const page = new ChangePageBuilder();
    page.upsert(event('a', 'first'));
    page.upsert(event('b', 'gone later'));
    page.remove('c');
    page.upsert(event('a', 'second'));
    page.remove('b');
    page.upsert(event('c', 'back'));
    page.remove('d');
    page.remove('d');
    expect(page.build('cursor')).toEqual({ upserts: [event('a', 'second'), event('c', 'back')], removedIds: ['b', 'd'], nextCursor: 'cursor' });
  });
});
