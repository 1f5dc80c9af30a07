// notify_to_subscriber_p50 / _p99: from an event created at a provider emulator until the conflictsChanged it causes
// arrives at a graphql-ws subscriber, through the real push path: the emulator's notification (Graph batches for 50 ms,
// Google posts at once) → the webhook → the per-channel notice coalescer → the pg-boss sync job (delta or syncToken
// read over HTTP(S), the write stage, the change range) → conflictsChanged on the event bus → the socket.
// The service runs in this process against in-process emulators, one process with API and workers (PROCESS_ROLE
// all, as `npm start` runs it). Samples alternate between providers and between calendars, so no channel sees more
// than its per-channel notice limit allows (a faster stream of changes to one calendar is held and coalesced, by
// design). Diagnostics on stderr only.
import { ConflictsChangedSubscription } from '../test/generated/graphql';
import { hourFromNow, googleEvent, outlookEvent, plusMinutes } from '../test/support/provider-events';
import { uniqueEmail } from '../test/support/connect-flow';
import type { Figure } from './run';
import { benchTenant, percentile, startBenchService, until } from './support/bench-service';
import { Delivery, nowMs, WsSubscriber } from './support/ws-subscriber';

const SAMPLES = 50;
const WARM_UP = 4;
/** Calendars per provider; each one's next change comes after every other calendar's. */
const CALENDARS_PER_PROVIDER = 3;
/** Between samples: the previous sample's work has settled (no job running), then this pause. */
const GAP_MS = 150;

const CONFLICTS = `subscription ($locationId: ID!, $userId: ID) { conflictsChanged(locationId: $locationId, userId: $userId) { userId locationId from to } }`;

type Provider = 'OUTLOOK' | 'GOOGLE';

export async function run(): Promise<Figure[]> {
  const s = await startBenchService();
  const { t, emu, flow } = s;
  const subscribers: WsSubscriber[] = [];
  try {
    const tenant = await benchTenant(t, CALENDARS_PER_PROVIDER * 2);
    /** Each user: one connected account (Outlook for the first half, Google for the rest), a subscriber of its own conflictsChanged. */
    const calendars: Array<{ provider: Provider; userId: string; calendarId: string; create: (title: string, at: Date) => void; arrivals: Delivery[] }> = [];
    for (const [i, userId] of tenant.userIds.entries()) {
      const provider: Provider = i < CALENDARS_PER_PROVIDER ? 'OUTLOOK' : 'GOOGLE';
      let login: string;
      let create: (title: string, at: Date) => void;
      if (provider === 'OUTLOOK') {
        const a = emu.microsoft.addAccount({ email: uniqueEmail('notify', 'contoso-bench.test') });
        login = a.userPrincipalName;
        create = (title, at) => void outlookEvent(emu, a.defaultCalendarId, { title, start: at, end: plusMinutes(at, 30) });
      } else {
        const a = emu.google.addAccount({ email: uniqueEmail('notify', 'gmail-bench.test') });
        login = a.email;
        create = (title, at) => void googleEvent(emu, a.email, { title, start: at, end: plusMinutes(at, 30) });
      }
      const conn = await flow.connected(userId, tenant.locationId, provider, login);
      const calendarId = conn.calendars.find((c) => c.isDefault)!.id;
      const pushed = await t.app.ds.query(`SELECT 1 FROM push_channels WHERE provider_calendar_id = $1`, [calendarId]);
      if (!pushed.length) throw new Error(`${provider}: no push channel`);
      const arrivals: Delivery[] = [];
      const subscriber = await WsSubscriber.open(t.wsUrl, t.tokenFor(userId));
      subscriber.subscribe(CONFLICTS, { locationId: tenant.locationId, userId }, (d) => arrivals.push(d));
      subscribers.push(subscriber);
      calendars.push({ provider, userId, calendarId, create, arrivals });
    }
    await t.app.whenIdle();
    // When the sync of each calendar last started: splits a sample into the push (notification, webhook, coalescer,
    // job pick-up) and the sync with its fan-out.
    const syncStarted = new Map<string, number>();
    t.app.services.syncServices.calendarSync.hooks.started = (calendarId) => void syncStarted.set(calendarId, nowMs());

    /** One change at the provider; the time until its conflictsChanged arrives (the range covers the new event). */
    const sample = async (n: number): Promise<{ provider: Provider; ms: number; pushMs: number }> => {
      // Outlook and Google in turn, each provider's calendars in turn.
      const c = calendars[(n % 2) * CALENDARS_PER_PROVIDER + (Math.floor(n / 2) % CALENDARS_PER_PROVIDER)];
      const at = hourFromNow(2 + (n % 50), 8 + (n % 9));
      const covers = (d: Delivery) => {
        const e = d.payload.data?.conflictsChanged as ConflictsChangedSubscription['conflictsChanged'] | undefined;
        return !!e && e.userId === c.userId && Date.parse(e.from) <= at.getTime() && at.getTime() < Date.parse(e.to);
      };
      const seen = c.arrivals.length;
      const sent = nowMs();
      c.create(`Notify ${n}`, at);
      await until(async () => c.arrivals.slice(seen).some(covers), 30_000, `conflictsChanged for sample ${n} (${c.provider})`, 1);
      const arrived = c.arrivals.slice(seen).find(covers)!.at;
      const pushMs = (syncStarted.get(c.calendarId) ?? NaN) - sent;
      await t.app.whenIdle();
      await new Promise((r) => setTimeout(r, GAP_MS));
      return { provider: c.provider, ms: arrived - sent, pushMs };
    };

    for (let n = 0; n < WARM_UP; n++) await sample(n);
    const samples: Array<{ provider: Provider; ms: number; pushMs: number }> = [];
    for (let n = 0; n < SAMPLES; n++) samples.push(await sample(WARM_UP + n));
    const all = samples.map((x) => x.ms);
    const of = (p: Provider) => samples.filter((x) => x.provider === p).map((x) => x.ms);
    process.stderr.write(`notify_to_subscriber: ${all.map((v) => v.toFixed(0)).join(' ')} ms\n`);
    const context = {
      samples: SAMPLES,
      outlookP50: Number(percentile(of('OUTLOOK'), 50).toFixed(1)),
      googleP50: Number(percentile(of('GOOGLE'), 50).toFixed(1)),
      max: Number(Math.max(...all).toFixed(1)),
      /** Median from the change until its sync started (the push path), and from then until the subscriber has it. */
      pushP50: Number(percentile(samples.map((x) => x.pushMs), 50).toFixed(1)),
      syncAndFanoutP50: Number(percentile(samples.map((x) => x.ms - x.pushMs), 50).toFixed(1)),
      calendars: CALENDARS_PER_PROVIDER * 2,
    };
    return [
      { figure: 'notify_to_subscriber_p50', value: Number(percentile(all, 50).toFixed(1)), unit: 'ms', ...context },
      { figure: 'notify_to_subscriber_p99', value: Number(percentile(all, 99).toFixed(1)), unit: 'ms', ...context },
    ];
  } finally {
    for (const sub of subscribers) sub.close();
    await s.close();
  }
}
