import { Provider } from '../../generated/graphql';
import { mailboxKey } from '../../../src/sync/throttle/mailbox-semaphore';
import { useEmulatedService } from '../../support/emulated-service';
import { book, eventWrites, heldEvents, linkedMember, LinkedMember, NOW, ok, until } from '../../support/outbox-world';

// The outbox's provider calls count against the mailbox's request slots (PRODUCT.md "Sync": at most 4 requests in
// flight per mailbox): a member's pending writes go out SYNC_MAILBOX_CONCURRENCY at a time, never more, and the
// slots are all used.

describe.each<Provider>(['GOOGLE', 'OUTLOOK'])('outbox writes and the mailbox request slots, %s', (provider) => {
  const s = useEmulatedService({ env: { SYNC_MAILBOX_CONCURRENCY: '3' }, now: NOW });

  /** The most provider requests of the list in flight at one instant. */
  function mostAtOnce(requests: Array<{ time: number; durationMs: number }>): number {
    const edges = requests.flatMap((r) => [
      { at: r.time, d: 1 },
      { at: r.time + r.durationMs, d: -1 },
    ]);
    // An end and a start at one instant: the end first.
    edges.sort((a, b) => a.at - b.at || a.d - b.d);
    let now = 0;
    let most = 0;
    for (const e of edges) most = Math.max(most, (now += e.d));
    return most;
  }

  function slowCreates(m: LinkedMember, times: number) {
    if (provider === 'OUTLOOK') s.emu.microsoft.addFault({ kind: 'delay', ms: 250, account: m.account, route: 'POST /v1.0/me/calendars/*/events', times });
    else s.emu.google.faults.add({ fault: { type: 'delay', ms: 250 }, route: /\/events$/, method: 'POST', account: m.account, times });
  }

  /** Twelve appointments of the member whose writes are held (the account needs reconnecting), so that they fall due together. */
  async function twelveHeld(slow = true): Promise<LinkedMember> {
    const m = await linkedMember(s.t, s.emu, s.flow, provider);
    await s.t.app.ds.query(`UPDATE connections SET status = 'NEEDS_REAUTH' WHERE id = $1`, [m.connectionId]);
    for (let i = 0; i < 12; i++) ok(await book(s.t, m, `2030-06-03T${String(9 + Math.floor(i / 2)).padStart(2, '0')}:${i % 2 ? '30' : '00'}`));
    await s.t.app.services.outbox.whenIdle();
    expect(eventWrites(s.emu, m)).toEqual([]);
    if (slow) slowCreates(m, 12);
    return m;
  }

  /** The account is back: the held writes go out now (as a reconnect releases them). */
  async function release(m: LinkedMember): Promise<void> {
    await s.t.app.ds.query(`UPDATE connections SET status = 'ACTIVE' WHERE id = $1`, [m.connectionId]);
    await s.t.app.services.outbox.connectionActive(m.connectionId);
  }

  test('twelve writes due at once go out three at a time (the limit), all slots used', async () => {
    const m = await twelveHeld();
    await release(m);
    await s.t.app.services.outbox.whenIdle();

    expect(heldEvents(s.emu, m)).toHaveLength(12);
    const creates = eventWrites(s.emu, m).filter((r) => r.method === 'POST');
    expect(creates).toHaveLength(12);
    expect(mostAtOnce(creates)).toBe(3);
    const [{ n }] = await s.t.app.ds.query(`SELECT count(*)::int AS n FROM appointment_writes w JOIN appointments a ON a.id = w.appointment_id WHERE a.calendar_id = $1 AND w.state = 'WRITTEN'`, [m.crmCalendarId]);
    expect(n).toBe(12);
  });

  test('a Retry-After one write gets holds the writes running beside it too, until it passes', async () => {
    const m = await twelveHeld(false);
    // Longer than the drivers wait within a call (5 s): the write fails, and the wait holds for the mailbox.
    if (provider === 'OUTLOOK') s.emu.microsoft.addFault({ kind: 'throttle', retryAfterSeconds: 6, account: m.account, route: 'POST /v1.0/me/calendars/*/events', times: 1 });
    else s.emu.google.faults.add({ fault: { type: 'rateLimit', retryAfterSec: 6 }, route: /\/events$/, method: 'POST', account: m.account, times: 1 });
    // The others take their time, so that the lanes still have writes to send when the 429 comes.
    slowCreates(m, 11);
    await release(m);
    await until(async () => heldEvents(s.emu, m).length === 12, 'every event after the Retry-After', 25_000);
    await s.t.app.services.outbox.whenIdle();
    const creates = eventWrites(s.emu, m).filter((r) => r.method === 'POST');
    const refused = creates.find((r) => r.status === 429)!;
    const throttledAt = refused.time + refused.durationMs;
    // Those already on their way when the 429 came were not stopped; none started after it within the 6 s.
    const during = creates.filter((r) => r.time > throttledAt + 100 && r.time < throttledAt + 5_900);
    expect(during).toEqual([]);
    expect(creates.filter((r) => r.status !== null && r.status < 300)).toHaveLength(12);
    expect(heldEvents(s.emu, m)).toHaveLength(12);
  });

  test('slots taken by other work of the mailbox (its sync) leave the writes only the rest', async () => {
    const m = await twelveHeld();
    const [{ account_external_id }] = await s.t.app.ds.query(`SELECT account_external_id FROM connections WHERE id = $1`, [m.connectionId]);
    const mailbox = mailboxKey(provider, account_external_id);
    const others = [await s.t.app.services.mailboxes.acquire(mailbox), await s.t.app.services.mailboxes.acquire(mailbox)];
    let freedAt = Infinity;
    try {
      await release(m);
      await until(() => eventWrites(s.emu, m).filter((r) => r.method === 'POST' && r.status !== null).length >= 3, 'three creates with one slot');
    } finally {
      freedAt = performance.timeOrigin + performance.now();
      for (const p of others) await p.release();
    }
    await s.t.app.services.outbox.whenIdle();
    expect(heldEvents(s.emu, m)).toHaveLength(12);
    const creates = eventWrites(s.emu, m).filter((r) => r.method === 'POST');
    expect(mostAtOnce(creates.filter((r) => r.time < freedAt))).toBe(1);
    expect(mostAtOnce(creates)).toBe(3);
  });
});
