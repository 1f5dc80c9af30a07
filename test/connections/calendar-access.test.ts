import { CalendarAccess1763950000000 } from '../../migrations/1763950000000-calendar-access';
import { ConnectionsDocument, ResyncConnectionDocument, UpdateCalendarConfigurationDocument, UpdateCalendarConfigurationInput } from '../generated/graphql';
import { newTenant, uniqueEmail } from '../support/connect-flow';
import { useEmulatedService } from '../support/emulated-service';
import { codeOf } from '../support/test-app';

// ProviderCalendar.access over GraphQL: a Google calendar shared free/busy only is listed (FREE_BUSY, not
// writable), can block time as a conflict calendar, and can never be the linked calendar.

describe('calendar access', () => {
  const s = useEmulatedService();

  /** A Google account with its own calendar and a colleague's calendars shared free/busy only and read-only. */
  async function world() {
    const w = await newTenant(s.ds());
    const colleague = uniqueEmail('colleague', 'gmail.test');
    s.emu.google.addAccount({ email: colleague, calendars: [{ id: `fb-${colleague}`, summary: 'Colleague (free/busy)' }, { id: `rd-${colleague}`, summary: 'Colleague (read)' }] });
    const me = s.emu.google.addAccount({ email: uniqueEmail('fb', 'gmail.test') });
    s.emu.google.state.shareCalendar(`fb-${colleague}`, me.email, 'freeBusyReader');
    s.emu.google.state.shareCalendar(`rd-${colleague}`, me.email, 'reader');
    const conn = await s.flow.connected(w.userA, w.locA, 'GOOGLE', me.email);
    const byName = (name: string) => conn.calendars.find((c) => c.name === name)!;
    return { w, me, colleague, conn, primary: byName(me.email), freeBusy: byName('Colleague (free/busy)'), readOnly: byName('Colleague (read)') };
  }

  const calendarsOf = async (userId: string, locationId: string) => {
    const r = await s.t.gql(ConnectionsDocument, { locationId }, s.t.tokenFor(userId));
    expect(r.errors).toBeUndefined();
    return Object.fromEntries(r.data!.connections.flatMap((c) => c.calendars).map((c) => [c.name, { access: c.access, canWrite: c.canWrite }]));
  };
  const update = (viewer: string, input: UpdateCalendarConfigurationInput) => s.t.gql(UpdateCalendarConfigurationDocument, { input }, s.t.tokenFor(viewer));

  test('connections lists a free/busy-only Google calendar as FREE_BUSY, readers as READ, writable ones as WRITE', async () => {
    const { w, me } = await world();
    expect(await calendarsOf(w.userA, w.locA)).toEqual({
      [me.email]: { access: 'WRITE', canWrite: true },
      'Colleague (free/busy)': { access: 'FREE_BUSY', canWrite: false },
      'Colleague (read)': { access: 'READ', canWrite: false },
    });
    // Outlook: WRITE or READ
    const outlook = s.emu.microsoft.addAccount({ email: uniqueEmail('ol', 'contoso-access.test') });
    const owner = s.emu.microsoft.addAccount({ email: uniqueEmail('boss', 'contoso-access.test') });
    const shared = s.emu.microsoft.state.addCalendar(owner.id, 'Boss (read)');
    s.emu.microsoft.state.shareCalendar(shared.id, outlook.id, 'reader');
    await s.flow.connected(w.userA2, w.locA, 'OUTLOOK', outlook.userPrincipalName);
    expect(await calendarsOf(w.userA2, w.locA)).toEqual({ Calendar: { access: 'WRITE', canWrite: true }, 'Boss (read)': { access: 'READ', canWrite: false } });
  });

  test('a FREE_BUSY calendar can be a conflict calendar (polled: no watch channel) but never the linked one', async () => {
    const { w, me, colleague, primary, freeBusy } = await world();
    const selected = await update(w.userA, { locationId: w.locA, conflictCalendarIds: [primary.id, freeBusy.id] });
    expect(selected.errors).toBeUndefined();
    expect(selected.data!.updateCalendarConfiguration.conflictCalendars.map((c) => [c.name, c.access]).sort()).toEqual([
      ['Colleague (free/busy)', 'FREE_BUSY'],
      [me.email, 'WRITE'],
    ]);
    const watched = [...s.emu.google.push.channels.values()].filter((c) => c.sub === me.sub && !c.stopped).map((c) => c.calendarId);
    expect(watched).toEqual([me.email]);
    expect(watched).not.toContain(`fb-${colleague}`);

    const linked = await update(w.userA, { locationId: w.locA, linkedCalendarId: freeBusy.id, conflictCalendarIds: [freeBusy.id] });
    expect(codeOf(linked)).toBe('CALENDAR_NOT_WRITABLE');
    expect(linked.errors![0].message).toMatch(/free\/busy/);
  });

  test('the calendar list refresh follows a change of access', async () => {
    const { w, me, colleague, conn } = await world();
    s.emu.google.state.shareCalendar(`fb-${colleague}`, me.email, 'reader');
    const r = await s.t.gql(ResyncConnectionDocument, { connectionId: conn.id }, s.t.tokenFor(w.userA));
    expect(r.errors).toBeUndefined();
    // The calendar list is refreshed by a job.
    await s.t.app.whenIdle();
    expect((await calendarsOf(w.userA, w.locA))['Colleague (free/busy)']).toEqual({ access: 'READ', canWrite: false });
    // And back: a calendar whose sharing drops to free/busy is FREE_BUSY again (can_write and access agree).
    s.emu.google.state.shareCalendar(`fb-${colleague}`, me.email, 'freeBusyReader');
    expect((await s.t.gql(ResyncConnectionDocument, { connectionId: conn.id }, s.t.tokenFor(w.userA))).errors).toBeUndefined();
    await s.t.app.whenIdle();
    expect((await calendarsOf(w.userA, w.locA))['Colleague (free/busy)']).toEqual({ access: 'FREE_BUSY', canWrite: false });
  });

  test('the migration gives existing calendars WRITE where they were writable, READ elsewhere', async () => {
    const { conn, primary, readOnly, freeBusy } = await world();
    const migration = new CalendarAccess1763950000000();
    const q = s.ds().createQueryRunner();
    try {
      await migration.down(q);
      // as the previous release stored them (free/busy calendars were not listed then)
      expect(await q.query(`SELECT id FROM provider_calendars WHERE id = $1`, [freeBusy.id])).toEqual([]);
      await migration.up(q);
    } finally {
      await q.release();
    }
    const rows: Array<{ id: string; access: string; can_write: boolean }> = await s.ds().query(`SELECT id, access, can_write FROM provider_calendars WHERE connection_id = $1`, [conn.id]);
    expect(Object.fromEntries(rows.map((r) => [r.id, [r.access, r.can_write]]))).toEqual({ [primary.id]: ['WRITE', true], [readOnly.id]: ['READ', false] });
    // can_write and access cannot disagree
    await expect(s.ds().query(`UPDATE provider_calendars SET can_write = false WHERE id = $1`, [primary.id])).rejects.toThrow(/can_write_access_check/);
  });
});
