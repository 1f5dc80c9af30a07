import { createHash } from 'node:crypto';
import { ExternalEventsDocument } from '../generated/graphql';
import { newTenant, uniqueEmail } from '../support/connect-flow';
import { useEmulatedService } from '../support/emulated-service';
import { eventually } from '../support/eventually';
import { googleEvent, hourFromNow, outlookEvent, plusMinutes } from '../support/provider-events';

// Push channels are renewed before they expire: Graph subscriptions within 12 hours of their end (extended in
// place, or re-created when Graph no longer has them), Google channels within 24 hours (a new channel replaces
// the old, which is stopped). Time is the app's injected clock, moved to just outside and just inside the horizon;
// the periodic tick is run by hand.

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('push renewal', () => {
  const clock = { offsetMs: 0, now: () => new Date(Date.now() + clock.offsetMs) };
  const s = useEmulatedService({ app: { clock } });

  afterEach(() => {
    clock.offsetMs = 0;
  });

  const channelOf = async (calendarId: string) =>
    (await s.ds().query(`SELECT channel_id, expires_at, secret_hash FROM push_channels WHERE provider_calendar_id = $1`, [calendarId]))[0] as { channel_id: string; expires_at: Date; secret_hash: string };

  /** The clock is `hoursBefore` hours before `expiry`, and the periodic tick runs. */
  async function tickBefore(expiry: Date, hoursBefore: number) {
    clock.offsetMs = expiry.getTime() - hoursBefore * 3600_000 - Date.now();
    await s.t.app.services.syncServices.tick.run();
    await s.t.app.whenIdle();
  }

  async function titles(userId: string, locationId: string) {
    const r = await s.t.gql(ExternalEventsDocument, { locationId, from: hourFromNow(-1, 0).toISOString(), to: hourFromNow(40, 0).toISOString() }, s.t.tokenFor(userId));
    return r.data!.externalEvents.map((e) => e.title).sort();
  }

  test('Outlook: the subscription is extended within 12 hours of its end, not before', async () => {
    const w = await newTenant(s.ds());
    const me = s.emu.microsoft.addAccount({ email: uniqueEmail('renew', 'contoso-renew.test') });
    const conn = await s.flow.connected(w.userA, w.locA, 'OUTLOOK', me.userPrincipalName);
    const calendarId = conn.calendars.find((c) => c.isDefault)!.id;
    const before = await channelOf(calendarId);
    const renewals = () => s.emu.microsoft.requestLog.list({ method: 'PATCH', path: `/v1.0/subscriptions/${before.channel_id}`, account: me.userPrincipalName });

    await tickBefore(before.expires_at, 13);
    expect(renewals()).toHaveLength(0);
    await tickBefore(before.expires_at, 11);
    expect(renewals().map((r) => r.status)).toEqual([200]);
    const after = await channelOf(calendarId);
    expect(after.channel_id).toBe(before.channel_id);
    expect(after.secret_hash).toBe(before.secret_hash);
    expect(after.expires_at.getTime()).toBeGreaterThan(before.expires_at.getTime());
    expect(after.expires_at.getTime()).toBe(s.emu.microsoft.state.subscriptions.get(before.channel_id)!.expiresAtMs);
  });

  test('Outlook: a subscription Graph no longer has is re-created at renewal; what changed meanwhile shows', async () => {
    const w = await newTenant(s.ds());
    const me = s.emu.microsoft.addAccount({ email: uniqueEmail('renew-gone', 'contoso-renew.test') });
    const conn = await s.flow.connected(w.userA, w.locA, 'OUTLOOK', me.userPrincipalName);
    const calendarId = conn.calendars.find((c) => c.isDefault)!.id;
    const before = await channelOf(calendarId);
    // Graph dropped it without telling us; a change meanwhile notified nobody.
    s.emu.microsoft.state.subscriptions.delete(before.channel_id);
    outlookEvent(s.emu, me.defaultCalendarId, { title: 'Unnotified', start: hourFromNow(2, 10), end: plusMinutes(hourFromNow(2, 10), 30) });

    await tickBefore(before.expires_at, 11);
    const after = await channelOf(calendarId);
    expect(after.channel_id).not.toBe(before.channel_id);
    const sub = s.emu.microsoft.state.subscriptions.get(after.channel_id)!;
    expect(sha256(sub.clientState!)).toBe(after.secret_hash);
    expect(await titles(w.userA, w.locA)).toEqual(['Unnotified']);
  });

  test('Google: within 24 hours of its end a new channel replaces the old one, which is stopped; changes flow through the new one', async () => {
    const w = await newTenant(s.ds());
    const me = s.emu.google.addAccount({ email: uniqueEmail('renew', 'gmail.test') });
    const conn = await s.flow.connected(w.userA, w.locA, 'GOOGLE', me.email);
    const calendarId = conn.calendars.find((c) => c.isDefault)!.id;
    const before = await channelOf(calendarId);

    await tickBefore(before.expires_at, 25);
    expect((await channelOf(calendarId)).channel_id).toBe(before.channel_id);
    await tickBefore(before.expires_at, 23);
    const after = await channelOf(calendarId);
    expect(after.channel_id).not.toBe(before.channel_id);
    expect(s.emu.google.push.channels.get(before.channel_id)!.stopped).toBe(true);
    const fresh = s.emu.google.push.channels.get(after.channel_id)!;
    expect(fresh.stopped).toBe(false);
    expect(sha256(fresh.token!)).toBe(after.secret_hash);

    clock.offsetMs = 0;
    googleEvent(s.emu, me.email, { title: 'Through the new channel', start: hourFromNow(3, 10), end: plusMinutes(hourFromNow(3, 10), 30) });
    expect(await eventually(() => titles(w.userA, w.locA), (ts) => ts.length > 0)).toEqual(['Through the new channel']);
    expect(s.emu.google.push.deliveries.filter((d) => d.state === 'exists' && d.channelId === after.channel_id).map((d) => d.status)).toEqual([202]);
  });

  test.each(['OUTLOOK', 'GOOGLE'] as const)('%s: a channel that expired while nobody renewed it (the service was down) is replaced at the next tick; what changed meanwhile shows', async (provider) => {
    const w = await newTenant(s.ds());
    let login: string;
    let expireAtProvider: (channelId: string) => void;
    let create: (title: string) => void;
    let live: (channelId: string) => boolean;
    if (provider === 'OUTLOOK') {
      const me = s.emu.microsoft.addAccount({ email: uniqueEmail('expired', 'contoso-renew.test') });
      login = me.userPrincipalName;
      expireAtProvider = (id) => void (s.emu.microsoft.state.subscriptions.get(id)!.expiresAtMs = Date.now() - 1);
      create = (title) => void outlookEvent(s.emu, me.defaultCalendarId, { title, start: hourFromNow(2, 10), end: plusMinutes(hourFromNow(2, 10), 30) });
      live = (id) => (s.emu.microsoft.state.subscriptions.get(id)?.expiresAtMs ?? 0) > Date.now();
    } else {
      const me = s.emu.google.addAccount({ email: uniqueEmail('expired', 'gmail.test') });
      login = me.email;
      expireAtProvider = (id) => void (s.emu.google.push.channels.get(id)!.expiration = Date.now() - 1);
      create = (title) => void googleEvent(s.emu, me.email, { title, start: hourFromNow(2, 10), end: plusMinutes(hourFromNow(2, 10), 30) });
      live = (id) => {
        const ch = s.emu.google.push.channels.get(id);
        return !!ch && !ch.stopped && ch.expiration > Date.now();
      };
    }
    const conn = await s.flow.connected(w.userA, w.locA, provider, login);
    const calendarId = conn.calendars.find((c) => c.isDefault)!.id;
    const before = await channelOf(calendarId);
    // The channel ended an hour ago (at the provider as in our row: nobody renewed it); a change since notified nobody.
    expireAtProvider(before.channel_id);
    await s.ds().query(`UPDATE push_channels SET expires_at = now() - interval '1 hour' WHERE channel_id = $1`, [before.channel_id]);
    create('After the channel ended');
    await s.t.app.whenIdle();
    expect(await titles(w.userA, w.locA)).toEqual([]);

    // The service is back: the next tick.
    await s.t.app.services.syncServices.tick.run();
    await s.t.app.whenIdle();
    const after = await channelOf(calendarId);
    expect(after.channel_id).not.toBe(before.channel_id);
    expect(live(after.channel_id)).toBe(true);
    expect(after.expires_at.getTime()).toBeGreaterThan(clock.now().getTime());
    expect(await titles(w.userA, w.locA)).toEqual(['After the channel ended']);
    // Push covers it again: back to the safety poll.
    const [state] = await s.ds().query(`SELECT next_poll_at FROM calendar_sync_states WHERE provider_calendar_id = $1`, [calendarId]);
    expect(Math.round((state.next_poll_at.getTime() - clock.now().getTime()) / 1000)).toBeGreaterThan(600);
  });
});
