import { supportedProviders } from '../../src/scheduling/calendar-providers';
import { CalendarType } from '../../src/scheduling/calendar-type.enum';

describe('supportedProviders (PRODUCT.md "Availability")', () => {
  test.each(Object.values(CalendarType))('%s', (type) => {
    expect(supportedProviders(type)).toEqual(type === CalendarType.EVENT ? ['GOOGLE'] : ['OUTLOOK', 'GOOGLE']);
  });

  test('callers get their own list', () => {
    supportedProviders(CalendarType.EVENT).push(...supportedProviders(CalendarType.PERSONAL));
    expect(supportedProviders(CalendarType.EVENT)).toEqual(['GOOGLE']);
  });
});
