import type { GoogleEmulator } from '../../emulators/google';
import type { ChangePage, NormalizedEvent, TokenSet } from '../../src/providers/calendar-provider';
import type { GoogleCalendarDriver } from '../../src/providers/google/google.driver';
import { collect, connect, startGoogle, uniqueEmail } from './google.harness';

// Recurring series changed at Google, read by the driver as a sync would: every page applied to a
// store keyed by the occurrence ids of the upserts, which must end up equal to a fresh full read.

let emu: GoogleEmulator;
let driver: GoogleCalendarDriver;

beforeAll(async () => {
  ({ emu, driver } = await startGoogle());
});
afterAll(() => emu.close());

const window = { windowStart: new Date('2025-01-01T00:00:00Z'), windowEnd: new Date('2026-01-01T00:00:00Z'), calendarTimeZone: 'Europe/Berlin' };
const berlin = (local: string) => ({ dateTime: local, timeZone: 'Europe/Berlin' });

type Store = Map<string, NormalizedEvent>;

function apply(store: Store, pages: ChangePage[]): { upserted: string[]; removed: string[] } {
  const upserted = pages.flatMap((p) => p.upserts.map((u) => u.externalId));
  const removed = pages.flatMap((p) => p.removedIds);
  for (const p of pages) {
    for (const u of p.upserts) store.set(u.externalId, u);
    for (const id of p.removedIds) store.delete(id);
  }
  return { upserted, removed };
}

/** The store as [id, start] pairs in time order. */
const rows = (store: Store) => [...store.values()].sort((a, b) => a.start.getTime() - b.start.getTime()).map((e) => [e.externalId, e.start.toISOString()]);

async function calendar() {
  const email = uniqueEmail('series');
  emu.addAccount({ email, timeZone: 'Europe/Berlin' });
  const tokens = await connect(driver, email);
  const store: Store = new Map();
  let cursor: string | null = null;
  const sync = async () => {
    const pages = await collect(driver.readChanges(tokens, email, { cursor, ...window, pageSize: 4 }));
    cursor = pages[pages.length - 1].nextCursor;
    return apply(store, pages);
  };
  return { email, tokens, store, sync, truth: () => fullRead(tokens, email) };
}

async function fullRead(tokens: TokenSet, email: string) {
  const fresh: Store = new Map();
  apply(fresh, await collect(driver.readChanges(tokens, email, { cursor: null, ...window })));
  return rows(fresh);
}

/** A weekly series on Mondays 10:00 Berlin from 6 October 2025, across the end of summer time. */
function weekly(email: string, rule = 'RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=8') {
  return emu.state.insertEvent(email, { summary: 'Weekly', start: berlin('2025-10-06T10:00:00'), end: berlin('2025-10-06T11:00:00'), recurrence: [rule] });
}

const stamps = (masterId: string, ...utc: string[]) => utc.map((s) => `${masterId}_${s}`);

describe('a recurring series changed at Google', () => {
  it('shortened by COUNT, then by UNTIL: exactly the cut instances are removed; lengthened: they return', async () => {
    const c = await calendar();
    const master = weekly(c.email);
    await c.sync();
    expect(rows(c.store).map(([, start]) => start)).toEqual([
      '2025-10-06T08:00:00.000Z',
      '2025-10-13T08:00:00.000Z',
      '2025-10-20T08:00:00.000Z',
      '2025-10-27T09:00:00.000Z',
      '2025-11-03T09:00:00.000Z',
      '2025-11-10T09:00:00.000Z',
      '2025-11-17T09:00:00.000Z',
      '2025-11-24T09:00:00.000Z',
    ]);

    emu.state.patchEvent(c.email, master.id, { recurrence: ['RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=5'] });
    const shortened = await c.sync();
    expect(shortened.removed.sort()).toEqual(stamps(master.id, '20251110T090000Z', '20251117T090000Z', '20251124T090000Z'));
    expect(shortened.upserted.filter((id) => shortened.removed.includes(id))).toEqual([]);
    expect(rows(c.store)).toEqual(await c.truth());

    emu.state.patchEvent(c.email, master.id, { recurrence: ['RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20251021T000000Z'] });
    const cut = await c.sync();
    expect(cut.removed.sort()).toEqual(stamps(master.id, '20251027T090000Z', '20251103T090000Z'));
    expect(rows(c.store)).toEqual(await c.truth());
    expect(c.store.size).toBe(3);

    // lengthened again: the instances are back, under the same ids
    emu.state.patchEvent(c.email, master.id, { recurrence: ['RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=8'] });
    const back = await c.sync();
    expect(back.removed).toEqual([]);
    expect(c.store.size).toBe(8);
    expect(rows(c.store)).toEqual(await c.truth());
  });

  it('applies a moved and a cancelled instance, and cancels an exception the shortened series no longer has', async () => {
    const c = await calendar();
    const master = weekly(c.email);
    await c.sync();
    const [moved, cancelled, laterMoved] = stamps(master.id, '20251013T080000Z', '20251020T080000Z', '20251117T090000Z');
    emu.state.patchEvent(c.email, moved, { start: berlin('2025-10-15T14:00:00'), end: berlin('2025-10-15T15:00:00') });
    emu.state.deleteEvent(c.email, cancelled);
    emu.state.patchEvent(c.email, laterMoved, { summary: 'Weekly, longer', end: berlin('2025-11-17T12:00:00') });

    const edits = await c.sync();
    expect(edits.removed).toEqual([cancelled]);
    expect(c.store.get(moved)).toMatchObject({ start: new Date('2025-10-15T12:00:00Z'), seriesExternalId: master.id });
    expect(c.store.get(laterMoved)).toMatchObject({ title: 'Weekly, longer', end: new Date('2025-11-17T11:00:00Z') });
    expect(rows(c.store)).toEqual(await c.truth());

    emu.state.patchEvent(c.email, master.id, { recurrence: ['RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=5'] });
    const shortened = await c.sync();
    expect(shortened.removed.sort()).toEqual(stamps(master.id, '20251110T090000Z', '20251117T090000Z', '20251124T090000Z'));
    expect(rows(c.store)).toEqual(await c.truth());
  });

  it('moved to another hour: the old instances go, the new ones (new ids) come', async () => {
    const c = await calendar();
    const master = weekly(c.email, 'RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=3');
    await c.sync();
    const before = [...c.store.keys()];
    emu.state.patchEvent(c.email, master.id, { start: berlin('2025-10-06T11:00:00'), end: berlin('2025-10-06T12:00:00') });
    const moved = await c.sync();
    expect(moved.removed.sort()).toEqual(before.sort());
    expect(rows(c.store)).toEqual([
      [`${master.id}_20251006T090000Z`, '2025-10-06T09:00:00.000Z'],
      [`${master.id}_20251013T090000Z`, '2025-10-13T09:00:00.000Z'],
      [`${master.id}_20251020T090000Z`, '2025-10-20T09:00:00.000Z'],
    ]);
    expect(rows(c.store)).toEqual(await c.truth());
  });

  it('deleted: every instance is removed', async () => {
    const c = await calendar();
    const master = weekly(c.email);
    emu.state.patchEvent(c.email, `${master.id}_20251013T080000Z`, { start: berlin('2025-10-14T10:00:00'), end: berlin('2025-10-14T11:00:00') });
    await c.sync();
    const instances = [...c.store.keys()];
    expect(instances).toHaveLength(8);
    emu.state.deleteEvent(c.email, master.id);
    const deleted = await c.sync();
    // the master's own id comes too (cancelled), which matches no stored row
    expect(deleted.removed.filter((id) => id !== master.id).sort()).toEqual(instances.sort());
    expect(deleted.upserted).toEqual([]);
    expect(c.store.size).toBe(0);
  });

  it('reads monthly and yearly rules as their instances', async () => {
    const c = await calendar();
    const lastFriday = emu.state.insertEvent(c.email, { summary: 'Review', start: berlin('2025-01-31T16:00:00'), end: berlin('2025-01-31T17:00:00'), recurrence: ['RRULE:FREQ=MONTHLY;BYDAY=-1FR;COUNT=4'] });
    emu.state.insertEvent(c.email, { summary: 'Quarter end', start: { date: '2025-03-31' }, end: { date: '2025-04-01' }, recurrence: ['RRULE:FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=-1;COUNT=3'] });
    emu.state.insertEvent(c.email, { summary: 'Summer time', start: berlin('2025-03-30T09:00:00'), end: berlin('2025-03-30T10:00:00'), recurrence: ['RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU'] });
    await c.sync();
    const starts = (title: string) => [...c.store.values()].filter((e) => e.title === title).map((e) => e.start.toISOString()).sort();
    expect(starts('Review')).toEqual(['2025-01-31T15:00:00.000Z', '2025-02-28T15:00:00.000Z', '2025-03-28T15:00:00.000Z', '2025-04-25T14:00:00.000Z']);
    expect(starts('Quarter end')).toEqual(['2025-03-30T22:00:00.000Z', '2025-06-29T22:00:00.000Z', '2025-09-29T22:00:00.000Z']);
    expect(starts('Summer time')).toEqual(['2025-03-30T07:00:00.000Z']);
    expect(c.store.get(`${lastFriday.id}_20250425T140000Z`)).toMatchObject({ seriesExternalId: lastFriday.id });
  });
});
