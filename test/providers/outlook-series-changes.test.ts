// Recurring series changed in Outlook, read by the driver as a sync would (calendarView/delta): every
// page applied to a store keyed by the occurrence ids of the upserts, which must end up equal to a
// fresh full read.
import { startMicrosoftEmulator, type MicrosoftEmulator } from '../../emulators/microsoft';
import type { Recurrence } from '../../emulators/microsoft/microsoft-model';
import type { ChangePage, NormalizedEvent, TokenSet } from '../../src/providers/calendar-provider';
import type { OutlookDriver } from '../../src/providers/outlook/outlook.driver';
import { connect, driverFor, uniqueEmail } from './outlook.test-kit';

let emulator: MicrosoftEmulator;
let driver: OutlookDriver;

beforeAll(async () => {
  emulator = await startMicrosoftEmulator({ seedDemo: false });
  driver = driverFor(emulator);
});
afterAll(async () => {
  driver.close();
  await emulator.close();
});

const WINDOW = { windowStart: new Date('2030-01-01T00:00:00Z'), windowEnd: new Date('2030-07-01T00:00:00Z') };
const pacific = (local: string) => ({ dateTime: local, timeZone: 'Pacific Standard Time' });

type Store = Map<string, NormalizedEvent>;

function apply(store: Store, pages: ChangePage[]): { upserted: string[]; removed: string[] } {
  for (const p of pages) {
    for (const u of p.upserts) store.set(u.externalId, u);
    for (const id of p.removedIds) store.delete(id);
  }
  return { upserted: pages.flatMap((p) => p.upserts.map((u) => u.externalId)), removed: pages.flatMap((p) => p.removedIds) };
}

const rows = (store: Store) => [...store.values()].sort((a, b) => a.start.getTime() - b.start.getTime()).map((e) => [e.externalId, e.start.toISOString()]);

async function fullRead(tokens: TokenSet, calendarId: string) {
  const fresh: Store = new Map();
  apply(fresh, await collect(driver.readChanges(tokens, calendarId, { cursor: null, ...WINDOW })));
  return rows(fresh);
}

async function collect(iterable: AsyncIterable<ChangePage>): Promise<ChangePage[]> {
  const pages: ChangePage[] = [];
  for await (const page of iterable) pages.push(page);
  return pages;
}

async function calendar() {
  const account = emulator.addAccount({ email: uniqueEmail('series') });
  const tokens = await connect(emulator, driver, account.userPrincipalName);
  const calendarId = account.defaultCalendarId;
  const store: Store = new Map();
  let cursor: string | null = null;
  const sync = async () => {
    const pages = await collect(driver.readChanges(tokens, calendarId, { cursor, ...WINDOW, pageSize: 3 }));
    cursor = pages[pages.length - 1].nextCursor;
    return apply(store, pages);
  };
  return { calendarId, store, sync, truth: () => fullRead(tokens, calendarId) };
}

const mondays = (range: Recurrence['range']): Recurrence => ({ pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'], firstDayOfWeek: 'sunday' }, range });

/** Mondays 09:00 Pacific from 4 March 2030, across the US switch to summer time (10 March). */
function weekly(calendarId: string, occurrences = 8) {
  return emulator.state.createEvent(calendarId, {
    subject: 'Standup',
    start: pacific('2030-03-04T09:00:00'),
    end: pacific('2030-03-04T09:30:00'),
    recurrence: mondays({ type: 'numbered', startDate: '2030-03-04', numberOfOccurrences: occurrences }),
  }).event;
}

/** Occurrence ids of the store, by start instant. */
const idsAt = (store: Store, ...starts: string[]) => starts.map((s) => [...store.values()].find((e) => e.start.toISOString() === s)!.externalId);

describe('a recurring series changed in Outlook', () => {
  it('shortened by its numbered range, then by an end date: exactly the cut occurrences are removed', async () => {
    const c = await calendar();
    weekly(c.calendarId);
    await c.sync();
    expect(rows(c.store).map(([, start]) => start)).toEqual([
      '2030-03-04T17:00:00.000Z',
      '2030-03-11T16:00:00.000Z',
      '2030-03-18T16:00:00.000Z',
      '2030-03-25T16:00:00.000Z',
      '2030-04-01T16:00:00.000Z',
      '2030-04-08T16:00:00.000Z',
      '2030-04-15T16:00:00.000Z',
      '2030-04-22T16:00:00.000Z',
    ]);
    const master = emulator.state.eventsIn(c.calendarId)[0];

    const cut = idsAt(c.store, '2030-04-08T16:00:00.000Z', '2030-04-15T16:00:00.000Z', '2030-04-22T16:00:00.000Z');
    emulator.state.updateEvent(master.id, { recurrence: mondays({ type: 'numbered', startDate: '2030-03-04', numberOfOccurrences: 5 }) });
    const shortened = await c.sync();
    expect(shortened.removed.sort()).toEqual(cut.sort());
    expect(shortened.upserted.filter((id) => cut.includes(id))).toEqual([]);
    expect(rows(c.store)).toEqual(await c.truth());

    const cutAgain = idsAt(c.store, '2030-03-25T16:00:00.000Z', '2030-04-01T16:00:00.000Z');
    emulator.state.updateEvent(master.id, { recurrence: mondays({ type: 'endDate', startDate: '2030-03-04', endDate: '2030-03-18' }) });
    const ended = await c.sync();
    expect(ended.removed.sort()).toEqual(cutAgain.sort());
    expect(rows(c.store)).toEqual(await c.truth());
    expect(c.store.size).toBe(3);
  });

  it('applies a moved and a cancelled occurrence, and an occurrence moved out of the window', async () => {
    const c = await calendar();
    const master = weekly(c.calendarId);
    await c.sync();
    const [moved, cancelled, leaving] = idsAt(c.store, '2030-03-11T16:00:00.000Z', '2030-03-18T16:00:00.000Z', '2030-04-01T16:00:00.000Z');
    emulator.state.updateEvent(moved, { start: pacific('2030-03-12T11:00:00'), end: pacific('2030-03-12T11:30:00') });
    emulator.state.deleteEvent(cancelled);
    emulator.state.updateEvent(leaving, { start: pacific('2030-08-01T09:00:00'), end: pacific('2030-08-01T09:30:00') });

    const edits = await c.sync();
    expect(edits.removed.sort()).toEqual([cancelled, leaving].sort());
    expect(c.store.get(moved)).toMatchObject({ start: new Date('2030-03-12T18:00:00Z'), seriesExternalId: master.id });
    expect(rows(c.store)).toEqual(await c.truth());
    expect(c.store.size).toBe(6);
  });

  it('brings back a cancelled occurrence when the pattern changes (Outlook drops the exceptions then)', async () => {
    const c = await calendar();
    const master = weekly(c.calendarId);
    await c.sync();
    const [cancelled, ...cut] = idsAt(c.store, '2030-03-18T16:00:00.000Z', '2030-04-15T16:00:00.000Z', '2030-04-22T16:00:00.000Z');
    emulator.state.deleteEvent(cancelled);
    emulator.state.updateEvent(master.id, { recurrence: mondays({ type: 'numbered', startDate: '2030-03-04', numberOfOccurrences: 6 }) });
    const changed = await c.sync();
    expect(changed.removed.sort()).toEqual(cut.sort());
    expect(c.store.has(cancelled)).toBe(true);
    expect(rows(c.store)).toEqual(await c.truth());
  });

  it('deleted: every occurrence is removed', async () => {
    const c = await calendar();
    const master = weekly(c.calendarId);
    await c.sync();
    const occurrences = [...c.store.keys()];
    emulator.state.deleteEvent(master.id);
    const deleted = await c.sync();
    // the master's own id comes too, which matches no stored row
    expect(deleted.removed.filter((id) => id !== master.id).sort()).toEqual(occurrences.sort());
    expect(deleted.upserted).toEqual([]);
    expect(c.store.size).toBe(0);
  });

  it('reads monthly and yearly patterns as their occurrences', async () => {
    const c = await calendar();
    const utc = (local: string) => ({ dateTime: local, timeZone: 'UTC' });
    emulator.state.createEvent(c.calendarId, {
      subject: 'Month end',
      start: utc('2030-01-31T09:00:00'),
      end: utc('2030-01-31T10:00:00'),
      recurrence: { pattern: { type: 'absoluteMonthly', interval: 1, dayOfMonth: 31 }, range: { type: 'numbered', startDate: '2030-01-31', numberOfOccurrences: 4 } },
    });
    emulator.state.createEvent(c.calendarId, {
      subject: 'Last weekday',
      start: utc('2030-01-31T15:00:00'),
      end: utc('2030-01-31T16:00:00'),
      recurrence: {
        pattern: { type: 'relativeMonthly', interval: 2, daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'], index: 'last' },
        range: { type: 'noEnd', startDate: '2030-01-01' },
      },
    });
    emulator.state.createEvent(c.calendarId, {
      subject: 'Anniversary',
      start: utc('2030-06-09T12:00:00'),
      end: utc('2030-06-09T13:00:00'),
      recurrence: { pattern: { type: 'relativeYearly', interval: 1, month: 6, daysOfWeek: ['sunday'], index: 'second' }, range: { type: 'noEnd', startDate: '2030-01-01' } },
    });
    await c.sync();
    const starts = (title: string) => [...c.store.values()].filter((e) => e.title === title).map((e) => e.start.toISOString().slice(0, 10)).sort();
    expect(starts('Month end')).toEqual(['2030-01-31', '2030-02-28', '2030-03-31', '2030-04-30']);
    // the last weekday of January, March and May 2030 (31 March is a Sunday)
    expect(starts('Last weekday')).toEqual(['2030-01-31', '2030-03-29', '2030-05-31']);
    expect(starts('Anniversary')).toEqual(['2030-06-09']);
  });
});
