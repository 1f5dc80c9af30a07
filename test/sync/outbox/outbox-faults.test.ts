import { CancelAppointmentDocument, Provider, RescheduleAppointmentDocument, ResyncConnectionDocument, SetLocationFeatureDocument, SyncStatusChangedDocument } from '../../generated/graphql';
import { useEmulatedService } from '../../support/emulated-service';
import { book, eventWrites, heldEvents, iso, LinkedMember, linkedMember, NOW, ok, until } from '../../support/outbox-world';
import { nextWhere, subscribe, untilLive, wsClient } from '../../support/ws-client';

// The outbox under provider faults (issue 10 item 5): whatever fails, each participant ends with exactly one
// provider event, or a reason. Retries back off quickly here (test tuning); Retry-After is honoured as given.

const providers: Provider[] = ['GOOGLE', 'OUTLOOK'];

describe('outbox faults and orderings', () => {
  const s = useEmulatedService({
    app: {
      outbox: { sweepMs: 50, failure: { maxAttempts: 8, retry: { baseDelayMs: 20, minDelayMs: 10, maxDelayMs: 100 } } },
      providerRetry: { maxAttempts: 4, baseDelayMs: 10, maxWaitMs: 5_000 },
      // The sync jobs the faults also hit retry soon, so waiting for idle jobs stays short.
      sync: { policy: { baseBackoffMs: 100, maxBackoffMs: 200 } },
    },
    now: NOW,
  });

  const idle = () => s.t.app.services.outbox.whenIdle();
  const writeRow = async (appointmentId: string) =>
    (await s.t.app.ds.query(`SELECT state, last_error, attempts, create_sent_version, next_attempt_at, now() AS db_now FROM appointment_writes WHERE appointment_id = $1`, [appointmentId]))[0];
  const creates = (m: LinkedMember) => eventWrites(s.emu, m).filter((r) => r.method === 'POST');

  /** Faults on the member's event writes (POST creates unless `method` says otherwise). */
  function fault(m: LinkedMember, kind: 'drop' | 'unavailable' | 'throttle' | 'delay', opts: { times?: number; retryAfterSeconds?: number; ms?: number; method?: string } = {}) {
    const method = opts.method ?? 'POST';
    if (m.provider === 'OUTLOOK') {
      const spec =
        kind === 'drop'
          ? { kind: 'dropAfterProcessing' as const }
          : kind === 'unavailable'
            ? { kind: 'unavailable' as const, status: 503 as const }
            : kind === 'throttle'
              ? { kind: 'throttle' as const, retryAfterSeconds: opts.retryAfterSeconds }
              : { kind: 'delay' as const, ms: opts.ms! };
      s.emu.microsoft.addFault({ ...spec, account: m.account, route: `${method} /v1.0/me/calendars/*/events${method === 'POST' ? '' : '/*'}`, times: opts.times ?? 1 });
    } else {
      const f =
        kind === 'drop'
          ? { type: 'dropAfterProcessing' as const }
          : kind === 'unavailable'
            ? { type: 'unavailable' as const }
            : kind === 'throttle'
              ? { type: 'rateLimit' as const, retryAfterSec: opts.retryAfterSeconds }
              : { type: 'delay' as const, ms: opts.ms! };
      s.emu.google.faults.add({ fault: f, route: /\/events(\/[^/]+)?$/, method, account: m.account, times: opts.times ?? 1 });
    }
  }

  describe.each(providers)('%s', (provider) => {
    test('responses dropped after the provider created the event, past the driver\'s own retries: still exactly one event', async () => {
      const m = await linkedMember(s.t, s.emu, s.flow, provider);
      // The driver tries 4 times per run; 6 lost answers take two runs of the outbox.
      fault(m, 'drop', { times: 6 });
      const a = ok(await book(s.t, m, '2030-06-03T10:00')).bookAppointment;
      await idle();
      expect(heldEvents(s.emu, m)).toHaveLength(1);
      expect(creates(m).length).toBeGreaterThanOrEqual(7);
      expect(await writeRow(a.id)).toMatchObject({ state: 'WRITTEN', last_error: null, attempts: 0 });
    });

    test('503s back off and end in one event', async () => {
      const m = await linkedMember(s.t, s.emu, s.flow, provider);
      fault(m, 'unavailable', { times: 6 });
      const a = ok(await book(s.t, m, '2030-06-03T10:00')).bookAppointment;
      await idle();
      expect(heldEvents(s.emu, m)).toHaveLength(1);
      expect(await writeRow(a.id)).toMatchObject({ state: 'WRITTEN', last_error: null });
    });

    test("429 with Retry-After: the mailbox's writes wait as long as asked, saying why, then go out", async () => {
      const m = await linkedMember(s.t, s.emu, s.flow, provider);
      // Longer than a driver sleeps in a call: the outbox defers the write.
      fault(m, 'throttle', { retryAfterSeconds: 6 });
      const a = ok(await book(s.t, m, '2030-06-03T10:00')).bookAppointment;
      await until(async () => (await writeRow(a.id)).last_error !== null, 'the throttled attempt');
      const row = await writeRow(a.id);
      expect(row).toMatchObject({ state: 'PENDING', attempts: 1, last_error: expect.stringMatching(/limiting requests.*retries automatically/) });
      expect(row.next_attempt_at.getTime() - row.db_now.getTime()).toBeGreaterThanOrEqual(5_900);
      // Another appointment's write meanwhile waits too: the Retry-After holds for the whole mailbox.
      const b = ok(await book(s.t, m, '2030-06-03T11:00')).bookAppointment;
      await s.t.app.services.outbox.whenIdle();
      expect(creates(m)).toHaveLength(1);
      expect(await writeRow(b.id)).toMatchObject({ state: 'PENDING', last_error: expect.stringMatching(/limiting requests/) });
      // Six seconds pass.
      await until(async () => (await writeRow(a.id)).state === 'WRITTEN' && (await writeRow(b.id)).state === 'WRITTEN', 'the writes after the Retry-After', 20_000);
      expect(heldEvents(s.emu, m)).toHaveLength(2);
      const [first, ...later] = creates(m);
      expect(later).toHaveLength(2);
      for (const c of later) expect(c.time - first.time).toBeGreaterThanOrEqual(5_900);
      for (const id of [a.id, b.id]) expect(await writeRow(id)).toMatchObject({ state: 'WRITTEN', last_error: null, attempts: 0 });
    });

    test('an expired access token is refreshed and the write goes out once', async () => {
      const m = await linkedMember(s.t, s.emu, s.flow, provider);
      if (provider === 'OUTLOOK') s.emu.microsoft.state.expireAccessTokens(m.account);
      else s.emu.google.state.expireAccessTokens(m.account);
      const a = ok(await book(s.t, m, '2030-06-03T10:00')).bookAppointment;
      await idle();
      expect(heldEvents(s.emu, m)).toHaveLength(1);
      expect(await writeRow(a.id)).toMatchObject({ state: 'WRITTEN' });
    });

    test('NEEDS_REAUTH holds the writes (PENDING, saying to reconnect); reconnecting sends them, once', async () => {
      const m = await linkedMember(s.t, s.emu, s.flow, provider);
      if (provider === 'OUTLOOK') {
        s.emu.microsoft.addFault({ kind: 'invalidGrant', account: m.account, route: 'POST /*/oauth2/v2.0/token', times: 1 });
        s.emu.microsoft.state.expireAccessTokens(m.account);
      } else {
        s.emu.google.faults.add({ fault: { type: 'invalidGrant' }, route: '/token', method: 'POST', account: m.account, times: 1 });
        s.emu.google.state.expireAccessTokens(m.account);
      }
      const a = ok(await book(s.t, m, '2030-06-03T10:00')).bookAppointment;
      const b = ok(await book(s.t, m, '2030-06-03T11:00')).bookAppointment;
      await idle();
      const [{ status }] = await s.t.app.ds.query(`SELECT status FROM connections WHERE id = $1`, [m.connectionId]);
      expect(status).toBe('NEEDS_REAUTH');
      for (const id of [a.id, b.id]) expect(await writeRow(id)).toMatchObject({ state: 'PENDING', last_error: expect.stringMatching(/Reconnect the account/) });
      // The one create sent was refused (401), and the refresh after it too.
      expect(creates(m).filter((r) => r.status !== null && r.status < 300)).toHaveLength(0);

      await s.flow.connected(m.userId, m.locationId, provider, m.account);
      await idle();
      expect(heldEvents(s.emu, m).map((e) => e.start.toISOString()).sort()).toEqual([iso('2030-06-03T10:00'), iso('2030-06-03T11:00')]);
      for (const id of [a.id, b.id]) expect(await writeRow(id)).toMatchObject({ state: 'WRITTEN', last_error: null });
    });

    test('a cancel made before the create was sent leaves no event and sends nothing', async () => {
      const m = await linkedMember(s.t, s.emu, s.flow, provider);
      await s.t.app.ds.query(`UPDATE connections SET status = 'NEEDS_REAUTH' WHERE id = $1`, [m.connectionId]);
      const a = ok(await book(s.t, m, '2030-06-03T10:00')).bookAppointment;
      await idle();
      expect(await writeRow(a.id)).toMatchObject({ state: 'PENDING', create_sent_version: null });
      ok(await s.t.gql(CancelAppointmentDocument, { id: a.id }, s.t.tokenFor(m.userId)));
      await s.flow.connected(m.userId, m.locationId, provider, m.account);
      await idle();
      expect(heldEvents(s.emu, m)).toEqual([]);
      expect(eventWrites(s.emu, m)).toEqual([]);
      expect(await writeRow(a.id)).toMatchObject({ state: 'WRITTEN', last_error: null });
    });

    test('the refresh before a create refused: nothing was sent, so a cancel made before reconnecting sends nothing', async () => {
      const m = await linkedMember(s.t, s.emu, s.flow, provider);
      // Our stored access token has run out: the write refreshes it first, and the provider refuses the refresh.
      const [{ credentials }] = await s.t.app.ds.query(`SELECT credentials FROM connections WHERE id = $1`, [m.connectionId]);
      const tokens = s.t.app.services.tokens.open(m.connectionId, credentials);
      await s.t.app.ds.query(`UPDATE connections SET credentials = $2 WHERE id = $1`, [m.connectionId, s.t.app.services.tokens.seal(m.connectionId, { ...tokens, expiresAt: new Date(Date.now() - 60_000) })]);
      if (provider === 'OUTLOOK') s.emu.microsoft.addFault({ kind: 'invalidGrant', account: m.account, route: 'POST /*/oauth2/v2.0/token', times: 1 });
      else s.emu.google.faults.add({ fault: { type: 'invalidGrant' }, route: '/token', method: 'POST', account: m.account, times: 1 });
      const a = ok(await book(s.t, m, '2030-06-03T10:00')).bookAppointment;
      await idle();
      expect(await writeRow(a.id)).toMatchObject({ state: 'PENDING', create_sent_version: null, last_error: expect.stringMatching(/Reconnect the account/) });
      ok(await s.t.gql(CancelAppointmentDocument, { id: a.id }, s.t.tokenFor(m.userId)));
      await s.flow.connected(m.userId, m.locationId, provider, m.account);
      await idle();
      expect(eventWrites(s.emu, m)).toEqual([]);
      expect(heldEvents(s.emu, m)).toEqual([]);
      expect(await writeRow(a.id)).toMatchObject({ state: 'WRITTEN', last_error: null });
    });

    test('a reschedule made before the create was sent: one create, at the new time', async () => {
      const m = await linkedMember(s.t, s.emu, s.flow, provider);
      await s.t.app.ds.query(`UPDATE connections SET status = 'NEEDS_REAUTH' WHERE id = $1`, [m.connectionId]);
      const a = ok(await book(s.t, m, '2030-06-03T10:00')).bookAppointment;
      await idle();
      ok(await s.t.gql(RescheduleAppointmentDocument, { id: a.id, startTime: iso('2030-06-03T15:00') }, s.t.tokenFor(m.userId)));
      await s.flow.connected(m.userId, m.locationId, provider, m.account);
      await idle();
      expect(heldEvents(s.emu, m)).toEqual([expect.objectContaining({ start: new Date(iso('2030-06-03T15:00')) })]);
      expect(eventWrites(s.emu, m).map((r) => r.method)).toEqual(['POST']);
      expect(await writeRow(a.id)).toMatchObject({ state: 'WRITTEN', last_error: null });
    });

    test('a cancel made while the create is in flight: the event is created, then deleted; none is left', async () => {
      const m = await linkedMember(s.t, s.emu, s.flow, provider);
      fault(m, 'delay', { ms: 600 });
      const a = ok(await book(s.t, m, '2030-06-03T10:00')).bookAppointment;
      await until(async () => (await writeRow(a.id)).create_sent_version !== null, 'the create to go out');
      ok(await s.t.gql(CancelAppointmentDocument, { id: a.id }, s.t.tokenFor(m.userId)));
      await idle();
      expect(heldEvents(s.emu, m)).toEqual([]);
      expect(eventWrites(s.emu, m).map((r) => r.method)).toEqual(['POST', 'DELETE']);
      expect(await writeRow(a.id)).toMatchObject({ state: 'WRITTEN' });
    });

    test('a cancel after a create whose answer was lost (no retry succeeded yet): the key finds the event, which is deleted', async () => {
      const m = await linkedMember(s.t, s.emu, s.flow, provider);
      // Every answer of this run is lost; the event exists, we do not know its id.
      fault(m, 'drop', { times: 4 });
      const a = ok(await book(s.t, m, '2030-06-03T10:00')).bookAppointment;
      await until(async () => (await writeRow(a.id)).attempts === 1, 'the first run to give up');
      expect(heldEvents(s.emu, m)).toHaveLength(1);
      ok(await s.t.gql(CancelAppointmentDocument, { id: a.id }, s.t.tokenFor(m.userId)));
      await idle();
      expect(heldEvents(s.emu, m)).toEqual([]);
      expect(await writeRow(a.id)).toMatchObject({ state: 'WRITTEN' });
    });

    test('a reschedule made while the create is in flight ends with one event at the new time', async () => {
      const m = await linkedMember(s.t, s.emu, s.flow, provider);
      fault(m, 'delay', { ms: 600 });
      const a = ok(await book(s.t, m, '2030-06-03T10:00')).bookAppointment;
      await until(async () => (await writeRow(a.id)).create_sent_version !== null, 'the create to go out');
      ok(await s.t.gql(RescheduleAppointmentDocument, { id: a.id, startTime: iso('2030-06-03T15:00') }, s.t.tokenFor(m.userId)));
      const rescheduledAt = performance.timeOrigin + performance.now();
      await idle();
      expect(heldEvents(s.emu, m)).toEqual([expect.objectContaining({ start: new Date(iso('2030-06-03T15:00')), end: new Date(iso('2030-06-03T15:30')) })]);
      const [create, update] = eventWrites(s.emu, m);
      // The reschedule committed while the create was at the provider.
      expect(create.method).toBe('POST');
      expect(create.time + create.durationMs).toBeGreaterThan(rescheduledAt - 600);
      expect(update.method).toBe('PATCH');
      expect(await writeRow(a.id)).toMatchObject({ state: 'WRITTEN' });
    });

    test('an outage outlasting the retries ends FAILED, saying to reschedule; the subscribers hear it; rescheduling writes it', async () => {
      const m = await linkedMember(s.t, s.emu, s.flow, provider);
      const client = wsClient(s.t.wsUrl, s.t.tokenFor(m.userId));
      s.clients.push(client);
      const sub = subscribe(client, SyncStatusChangedDocument, { locationId: m.locationId });
      await untilLive(sub, () => s.t.gql(ResyncConnectionDocument, { connectionId: m.connectionId }, s.t.tokenFor(m.userId)));
      // More 503s than 8 attempts of 4 requests each.
      fault(m, 'unavailable', { times: 100 });
      const a = ok(await book(s.t, m, '2030-06-03T10:00')).bookAppointment;
      const heard = await nextWhere(sub, (e) => e.data?.syncStatusChanged.connection.id === m.connectionId && /kept failing/.test(e.data.syncStatusChanged.connection.lastError ?? ''));
      const label = provider === 'OUTLOOK' ? 'Outlook' : 'Google Calendar';
      expect(heard.data?.syncStatusChanged.connection.lastError).toBe(
        `${label} kept failing (unavailable or limiting requests) over 8 attempts, so the event was not written. Reschedule the appointment to try again.`,
      );
      await idle();
      expect(await writeRow(a.id)).toMatchObject({ state: 'FAILED', last_error: heard.data?.syncStatusChanged.connection.lastError });
      expect(heldEvents(s.emu, m)).toEqual([]);

      // The provider is back; the user does what the reason says.
      if (provider === 'OUTLOOK') s.emu.microsoft.faults.clear();
      else s.emu.google.faults.clear();
      ok(await s.t.gql(RescheduleAppointmentDocument, { id: a.id, startTime: iso('2030-06-03T11:00') }, s.t.tokenFor(m.userId)));
      await idle();
      expect(heldEvents(s.emu, m)).toEqual([expect.objectContaining({ start: new Date(iso('2030-06-03T11:00')) })]);
      expect(await writeRow(a.id)).toMatchObject({ state: 'WRITTEN', last_error: null });
    });

    test('an event deleted at the provider is written anew on the next CRM change (ONE_WAY)', async () => {
      const m = await linkedMember(s.t, s.emu, s.flow, provider, { syncDirection: 'ONE_WAY' });
      const a = ok(await book(s.t, m, '2030-06-03T10:00')).bookAppointment;
      await idle();
      const [event] = heldEvents(s.emu, m);
      if (provider === 'OUTLOOK') s.emu.microsoft.state.deleteEvent(event.id);
      else s.emu.google.state.deleteEvent(m.calendarExternalId, event.id);
      ok(await s.t.gql(RescheduleAppointmentDocument, { id: a.id, startTime: iso('2030-06-03T15:00') }, s.t.tokenFor(m.userId)));
      await idle();
      expect(heldEvents(s.emu, m)).toEqual([expect.objectContaining({ start: new Date(iso('2030-06-03T15:00')) })]);
      expect(await writeRow(a.id)).toMatchObject({ state: 'WRITTEN' });
    });
  });

  test('a connection paused by a location switch holds its writes, saying why; switched back on, they go out', async () => {
    const m = await linkedMember(s.t, s.emu, s.flow, 'GOOGLE');
    const setFeature = async (enabled: boolean) => {
      ok(await s.t.gql(SetLocationFeatureDocument, { locationId: m.locationId, feature: 'GOOGLE_CALENDAR', enabled }, s.t.tokenFor(m.agencyAdminId)));
      await s.t.app.whenIdle();
    };
    await setFeature(false);
    const a = ok(await book(s.t, m, '2030-06-03T10:00')).bookAppointment;
    await idle();
    expect(await writeRow(a.id)).toMatchObject({ state: 'PENDING', create_sent_version: null, last_error: expect.stringMatching(/no longer enabled for this location.*written when it resumes/) });
    expect(eventWrites(s.emu, m)).toEqual([]);
    await setFeature(true);
    await idle();
    expect(heldEvents(s.emu, m)).toHaveLength(1);
    expect(await writeRow(a.id)).toMatchObject({ state: 'WRITTEN', last_error: null });
  });

  test('a write that cannot succeed ends FAILED with a reason; the connection\'s subscribers hear it', async () => {
    const m = await linkedMember(s.t, s.emu, s.flow, 'OUTLOOK');
    const client = wsClient(s.t.wsUrl, s.t.tokenFor(m.userId));
    s.clients.push(client);
    const sub = subscribe(client, SyncStatusChangedDocument, { locationId: m.locationId });
    await untilLive(sub, () => s.t.gql(ResyncConnectionDocument, { connectionId: m.connectionId }, s.t.tokenFor(m.userId)));
    s.emu.microsoft.addFault({ kind: 'mailboxNotEnabled', account: m.account, route: 'POST /v1.0/me/calendars/*/events' });
    const a = ok(await book(s.t, m, '2030-06-03T10:00')).bookAppointment;
    const heard = await nextWhere(sub, (e) => e.data?.syncStatusChanged.connection.id === m.connectionId && /on-premises Exchange/.test(e.data.syncStatusChanged.connection.lastError ?? ''));
    expect(heard.data?.syncStatusChanged.connection.lastError).toMatch(/Link a calendar of another account/);
    await idle();
    const [row] = await s.t.app.ds.query(`SELECT state, last_error FROM appointment_writes WHERE appointment_id = $1`, [a.id]);
    expect(row).toEqual({ state: 'FAILED', last_error: expect.stringMatching(/on-premises Exchange server.*Link a calendar of another account/) });
    expect(heldEvents(s.emu, m)).toEqual([]);
    // Cancelling it leaves nothing to do: the provider refused the create outright.
    ok(await s.t.gql(CancelAppointmentDocument, { id: a.id }, s.t.tokenFor(m.userId)));
    await idle();
    expect((await s.t.app.ds.query(`SELECT state FROM appointment_writes WHERE appointment_id = $1`, [a.id]))[0].state).toBe('WRITTEN');
  });
});
