import { AppointmentsDocument, Provider, RescheduleAppointmentDocument, ResyncConnectionDocument } from '../../generated/graphql';
import { useEmulatedService } from '../../support/emulated-service';
import { book, eventWrites, heldEvents, iso, LinkedMember, linkedMember, NOW, ok, until } from '../../support/outbox-world';

// Two-way sync of appointments (PRODUCT.md "Sync", issue 10 item 7), against both emulators: with TWO_WAY an
// appointment's event moved at the provider reschedules it and deleted cancels it; with ONE_WAY nothing changes
// and the next CRM change overwrites the provider. Our own writes coming back are never taken for user edits.

describe.each<Provider>(['GOOGLE', 'OUTLOOK'])('two-way sync, %s', (provider) => {
  const s = useEmulatedService({ now: NOW });

  const idle = async () => {
    await s.t.app.services.outbox.whenIdle();
    await s.t.app.whenIdle();
  };
  /** The member's calendar syncs (incrementally) as a push notice would have it. */
  const sync = async (m: LinkedMember) => {
    await s.t.app.services.sync.syncCalendars([m.providerCalendarId]);
    await idle();
  };
  const appointment = async (m: LinkedMember, id: string, from = '2030-06-01T00:00', to = '2030-06-30T00:00') =>
    ok(await s.t.gql(AppointmentsDocument, { locationId: m.locationId, from: iso(from), to: iso(to) }, s.t.tokenFor(m.userId))).appointments.find((a) => a.id === id)!;
  const version = async (id: string) => (await s.t.app.ds.query(`SELECT version FROM appointments WHERE id = $1`, [id]))[0].version as number;

  /** A booked appointment whose event is written (and seen once by a sync). */
  async function written(opts: Parameters<typeof linkedMember>[4] = {}) {
    const m = await linkedMember(s.t, s.emu, s.flow, provider, opts);
    const a = ok(await book(s.t, m, '2030-06-03T10:00')).bookAppointment;
    await idle();
    await sync(m);
    const [event] = heldEvents(s.emu, m);
    return { m, a, event };
  }

  /** What a user does in Outlook or Google Calendar. */
  function userMoves(m: LinkedMember, eventId: string, local: string, minutes = 30) {
    const start = new Date(iso(local));
    const end = new Date(start.getTime() + minutes * 60_000);
    if (provider === 'OUTLOOK') s.emu.microsoft.state.updateEvent(eventId, { start: { dateTime: start.toISOString().slice(0, 19), timeZone: 'UTC' }, end: { dateTime: end.toISOString().slice(0, 19), timeZone: 'UTC' } });
    else s.emu.google.state.patchEvent(m.calendarExternalId, eventId, { start: { dateTime: start.toISOString() }, end: { dateTime: end.toISOString() } });
  }
  /** Reads of single events by id the emulator answered. */
  async function gets(m: LinkedMember): Promise<number> {
    if (provider === 'OUTLOOK') return s.emu.microsoft.requestLog.list({ account: m.account, path: /\/events\/[^/]+$/ }).filter((e) => e.method === 'GET').length;
    return s.emu.google.requestLog.entries.filter((e) => e.account === m.account && e.method === 'GET' && /\/events\/[^/]+$/.test(e.path)).length;
  }
  function userDeletes(m: LinkedMember, eventId: string) {
    if (provider === 'OUTLOOK') s.emu.microsoft.state.deleteEvent(eventId);
    else s.emu.google.state.deleteEvent(m.calendarExternalId, eventId);
  }

  test('our own write coming back is not an edit: the appointment is untouched', async () => {
    const { a } = await written({ syncDirection: 'TWO_WAY' });
    expect(await version(a.id)).toBe(1);
  });

  test('TWO_WAY: moved at the provider (even off the grid, to another length) → rescheduled; the event is not written back', async () => {
    const { m, a, event } = await written({ syncDirection: 'TWO_WAY' });
    const writesBefore = eventWrites(s.emu, m).length;
    userMoves(m, event.id, '2030-06-03T13:10', 45);
    await sync(m);
    expect(await appointment(m, a.id)).toMatchObject({ status: 'CONFIRMED', startTime: iso('2030-06-03T13:10'), endTime: iso('2030-06-03T13:55'), providerWriteState: 'WRITTEN' });
    expect(eventWrites(s.emu, m)).toHaveLength(writesBefore);
    expect(heldEvents(s.emu, m)).toEqual([expect.objectContaining({ id: event.id, start: new Date(iso('2030-06-03T13:10')) })]);
  });

  test('TWO_WAY: deleted at the provider → cancelled, its time freed', async () => {
    const { m, a, event } = await written({ syncDirection: 'TWO_WAY' });
    userDeletes(m, event.id);
    await sync(m);
    expect(await appointment(m, a.id)).toMatchObject({ status: 'CANCELLED', providerWriteState: 'WRITTEN' });
    // The slot can be booked again.
    ok(await book(s.t, m, '2030-06-03T10:00'));
  });

  test('TWO_WAY: deleted at the provider, seen by a full sync → cancelled', async () => {
    const { m, a, event } = await written({ syncDirection: 'TWO_WAY' });
    userDeletes(m, event.id);
    ok(await s.t.gql(ResyncConnectionDocument, { connectionId: m.connectionId }, s.t.tokenFor(m.userId)));
    await idle();
    expect((await appointment(m, a.id)).status).toBe('CANCELLED');
  });

  // The sync window ends 180 days after the clock (2030-06-03): Graph's delta reports an event moved past it as
  // removed, and Google's incremental results past it are not stored, so the sync no longer sees the event.
  test('TWO_WAY: moved at the provider past the sync window → rescheduled there (the event is read by its id), not cancelled', async () => {
    const { m, a, event } = await written({ syncDirection: 'TWO_WAY' });
    const writesBefore = eventWrites(s.emu, m).length;
    userMoves(m, event.id, '2031-02-04T11:00', 60);
    await sync(m);
    expect(await appointment(m, a.id, '2031-02-01T00:00', '2031-02-28T00:00')).toMatchObject({
      status: 'CONFIRMED',
      startTime: iso('2031-02-04T11:00'),
      endTime: iso('2031-02-04T12:00'),
      providerWriteState: 'WRITTEN',
    });
    expect(eventWrites(s.emu, m)).toHaveLength(writesBefore);
    expect(heldEvents(s.emu, m)).toEqual([expect.objectContaining({ id: event.id, start: new Date(iso('2031-02-04T11:00')) })]);
    // Its old time is free again.
    ok(await book(s.t, m, '2030-06-03T10:00'));
  });

  test('TWO_WAY: moved past the sync window, seen by a full sync → rescheduled there', async () => {
    const { m, a, event } = await written({ syncDirection: 'TWO_WAY' });
    userMoves(m, event.id, '2031-01-20T09:00');
    ok(await s.t.gql(ResyncConnectionDocument, { connectionId: m.connectionId }, s.t.tokenFor(m.userId)));
    await idle();
    expect(await appointment(m, a.id, '2031-01-01T00:00', '2031-01-31T00:00')).toMatchObject({ status: 'CONFIRMED', startTime: iso('2031-01-20T09:00') });
  });

  test('TWO_WAY: the provider failing the read by id retries it; the appointment is not cancelled meanwhile', async () => {
    const { m, a, event } = await written({ syncDirection: 'TWO_WAY' });
    userMoves(m, event.id, '2031-02-04T11:00');
    if (provider === 'OUTLOOK') s.emu.microsoft.addFault({ kind: 'unavailable', status: 503, account: m.account, route: 'GET /v1.0/me/calendars/*/events/*', times: 4 });
    else s.emu.google.faults.add({ fault: { type: 'unavailable' }, route: /\/events\/[^/]+$/, method: 'GET', account: m.account, times: 4 });
    await s.t.app.services.sync.syncCalendars([m.providerCalendarId]);
    const [{ id: writeId }] = await s.t.app.ds.query(`SELECT id FROM appointment_writes WHERE appointment_id = $1`, [a.id]);
    const check = async () => (await s.t.app.ds.query(`SELECT state FROM pgboss.job WHERE name = 'own-event-check' AND singleton_key = $1`, [writeId]))[0]?.state;
    await until(async () => (await check()) === 'retry', 'the read by id to fail and wait for its retry');
    expect(await gets(m)).toBe(4);
    expect(await appointment(m, a.id)).toMatchObject({ status: 'CONFIRMED', startTime: iso('2030-06-03T10:00') });
    // Its retry is due (the queue waits 30 s): the event is found where it was moved.
    await s.t.app.ds.query(`UPDATE pgboss.job SET start_after = now() WHERE name = 'own-event-check' AND singleton_key = $1`, [writeId]);
    await until(async () => (await check()) === 'completed', 'the retried read');
    expect(await appointment(m, a.id, '2031-02-01T00:00', '2031-02-28T00:00')).toMatchObject({ status: 'CONFIRMED', startTime: iso('2031-02-04T11:00') });
  });

  test('TWO_WAY: moved onto another appointment of the member → not rescheduled; the event is moved back', async () => {
    const { m, a, event } = await written({ syncDirection: 'TWO_WAY' });
    ok(await book(s.t, m, '2030-06-03T14:00'));
    await idle();
    userMoves(m, event.id, '2030-06-03T14:00');
    await sync(m);
    expect(await appointment(m, a.id)).toMatchObject({ startTime: iso('2030-06-03T10:00'), providerWriteState: 'WRITTEN' });
    const events = heldEvents(s.emu, m).map((e) => e.start.toISOString()).sort();
    expect(events).toEqual([iso('2030-06-03T10:00'), iso('2030-06-03T14:00')]);
  });

  test('ONE_WAY: provider edits change nothing; the next CRM change overwrites them', async () => {
    const { m, a, event } = await written({ syncDirection: 'ONE_WAY' });
    userMoves(m, event.id, '2030-06-03T15:00');
    await sync(m);
    expect(await appointment(m, a.id)).toMatchObject({ startTime: iso('2030-06-03T10:00') });
    expect(await version(a.id)).toBe(1);
    ok(await s.t.gql(RescheduleAppointmentDocument, { id: a.id, startTime: iso('2030-06-03T11:00') }, s.t.tokenFor(m.userId)));
    await idle();
    expect(heldEvents(s.emu, m)).toEqual([expect.objectContaining({ id: event.id, start: new Date(iso('2030-06-03T11:00')) })]);
  });

  test('a sync that read the event before our latest write landed does not take the older time for an edit', async () => {
    const m = await linkedMember(s.t, s.emu, s.flow, provider, { syncDirection: 'TWO_WAY' });
    const a = ok(await book(s.t, m, '2030-06-03T10:00')).bookAppointment;
    await idle();
    // A sync reads the new event (at 10:00) and is held before it stores it...
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let reached!: () => void;
    const holding = new Promise<void>((resolve) => (reached = resolve));
    s.t.app.services.syncServices.calendarSync.hooks.duringWrite = async (calendarId) => {
      if (calendarId !== m.providerCalendarId) return;
      reached();
      await gate;
    };
    try {
      await s.t.app.services.sync.syncCalendars([m.providerCalendarId]);
      await holding;
      // ...while the CRM reschedules to 11:00 and the outbox writes it.
      ok(await s.t.gql(RescheduleAppointmentDocument, { id: a.id, startTime: iso('2030-06-03T11:00') }, s.t.tokenFor(m.userId)));
      // (The held sync is a running job: wait for the write itself.)
      await until(async () => (await appointment(m, a.id)).providerWriteState === 'WRITTEN', 'the update to be written');
    } finally {
      release();
      s.t.app.services.syncServices.calendarSync.hooks.duringWrite = undefined;
    }
    await idle();
    await sync(m);
    expect(await appointment(m, a.id)).toMatchObject({ startTime: iso('2030-06-03T11:00'), providerWriteState: 'WRITTEN' });
    expect(await version(a.id)).toBe(2);
    expect(heldEvents(s.emu, m)).toEqual([expect.objectContaining({ start: new Date(iso('2030-06-03T11:00')) })]);
  });
});
