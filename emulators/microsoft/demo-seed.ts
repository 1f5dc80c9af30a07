// The default world: an Office 365 work account (with a calendar shared by a colleague), a
// personal outlook.com account, and an on-premises mailbox; events dated around "now".
import { DateTime } from 'luxon';
import type { Account } from './microsoft-model';
import type { MicrosoftState } from './microsoft-state';

export interface DemoAccounts {
  work: Account;
  colleague: Account;
  personal: Account;
  onPremises: Account;
}

export function seedDemo(state: MicrosoftState): DemoAccounts {
  const work = state.addAccount({ email: 'alex.wilber@contoso.com', displayName: 'Alex Wilber', calendars: ['Team Calendar'] });
  const colleague = state.addAccount({ email: 'megan.bowen@contoso.com', displayName: 'Megan Bowen' });
  const personal = state.addAccount({ email: 'sam.taylor@outlook.com', kind: 'personal', displayName: 'Sam Taylor' });
  const onPremises = state.addAccount({ email: 'pat.onprem@fabrikam.com', kind: 'onPremises', displayName: 'Pat Onprem' });
  state.shareCalendar(colleague.defaultCalendarId, work.id, 'reader');

  const monday = DateTime.utc().startOf('week').plus({ weeks: 1 });
  const at = (days: number, hour: number) => monday.plus({ days, hours: hour }).toISO({ suppressMilliseconds: true, includeOffset: false })!;
  state.createEvent(work.defaultCalendarId, { subject: 'Pipeline review', start: { dateTime: at(0, 15), timeZone: 'UTC' }, end: { dateTime: at(0, 16), timeZone: 'UTC' } });
  state.createEvent(work.defaultCalendarId, { subject: 'Maybe lunch', showAs: 'tentative', start: { dateTime: at(1, 12), timeZone: 'Europe/Paris' }, end: { dateTime: at(1, 13), timeZone: 'Europe/Paris' } });
  state.createEvent(work.defaultCalendarId, {
    subject: 'Offsite',
    isAllDay: true,
    showAs: 'oof',
    start: { dateTime: at(3, 0), timeZone: 'W. Europe Standard Time' },
    end: { dateTime: at(4, 0), timeZone: 'W. Europe Standard Time' },
  });
  state.createEvent(work.defaultCalendarId, {
    subject: 'Weekly sync',
    start: { dateTime: at(2, 9), timeZone: 'Pacific Standard Time' },
    end: { dateTime: at(2, 10), timeZone: 'Pacific Standard Time' },
    recurrence: { pattern: { type: 'weekly', interval: 1, daysOfWeek: ['wednesday'], firstDayOfWeek: 'sunday' }, range: { type: 'numbered', startDate: at(2, 0).slice(0, 10), numberOfOccurrences: 12 } },
  });
  state.createEvent(colleague.defaultCalendarId, { subject: 'Customer visit', start: { dateTime: at(1, 14), timeZone: 'UTC' }, end: { dateTime: at(1, 16), timeZone: 'UTC' } });
  state.createEvent(personal.defaultCalendarId, { subject: 'Dentist', start: { dateTime: at(4, 8), timeZone: 'Eastern Standard Time' }, end: { dateTime: at(4, 9), timeZone: 'Eastern Standard Time' } });
  return { work, colleague, personal, onPremises };
}
