// Graph's delivery of change notifications: batched per notificationUrl, re-sent on failure.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startMicrosoftEmulator, type MicrosoftEmulator } from './microsoft-emulator';
import type { Account } from './microsoft-model';

const RETRY_DELAYS = [30, 60, 90];
let em: MicrosoftEmulator;

beforeAll(async () => {
  em = await startMicrosoftEmulator({ seedDemo: false, notificationBatchWindowMs: 40, maxNotificationsPerPost: 5, notificationRetryDelaysMs: RETRY_DELAYS });
});
afterAll(() => em.close());

interface Hook {
  url: string;
  /** Status codes for the next notification POSTs, then 202. */
  answers: number[];
  bodies: { value: { subscriptionId: string; resourceData: { id: string }; changeType: string }[] }[];
  close(): Promise<void>;
}

async function startHook(): Promise<Hook> {
  const hook: Partial<Hook> = { answers: [], bodies: [] };
  const server: Server = createServer((req, res) => {
    const token = new URL(req.url!, 'http://x').searchParams.get('validationToken');
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      if (token) return res.writeHead(200, { 'content-type': 'text/plain' }).end(token);
      hook.bodies!.push(JSON.parse(text));
      res.writeHead(hook.answers!.shift() ?? 202).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  hook.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  hook.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return hook as Hook;
}

async function subscribe(account: Account, calendarId: string, url: string) {
  return em.subscriptions.create(
    account,
    'app',
    { changeType: 'created,updated,deleted', notificationUrl: url, resource: `/me/calendars/${calendarId}/events`, expirationDateTime: new Date(Date.now() + 3_600_000).toISOString(), clientState: 'cs' },
    false,
  );
}

const utc = (iso: string) => ({ dateTime: iso, timeZone: 'UTC' });
const newAccount = () => em.addAccount({ email: `batch-${randomBytes(4).toString('hex')}@contoso.com`, calendars: ['Second'] });
const changesTo = (url: string) => em.subscriptions.deliveries.filter((d) => d.kind === 'change' && d.url === url);

describe('notification delivery', () => {
  it('sends the changes of one window in one POST, for every subscription of that notificationUrl', async () => {
    const hook = await startHook();
    try {
      const account = newAccount();
      const second = em.state.calendarsOf(account.id).find((c) => c.name === 'Second')!;
      const a = await subscribe(account, account.defaultCalendarId, hook.url);
      const b = await subscribe(account, second.id, hook.url);
      const e1 = em.state.createEvent(account.defaultCalendarId, { subject: 'one', start: utc('2030-01-01T10:00:00'), end: utc('2030-01-01T11:00:00') }).event;
      const e2 = em.state.createEvent(second.id, { subject: 'two', start: utc('2030-01-02T10:00:00'), end: utc('2030-01-02T11:00:00') }).event;
      em.state.updateEvent(e1.id, { subject: 'one, renamed' });
      await em.subscriptions.idle();

      expect(hook.bodies).toHaveLength(1);
      expect(hook.bodies[0].value.map((n) => [n.subscriptionId, n.changeType, n.resourceData.id])).toEqual([
        [a.id, 'created', e1.id],
        [b.id, 'created', e2.id],
        [a.id, 'updated', e1.id],
      ]);
      expect(changesTo(hook.url).map((d) => [d.attempt, d.status, d.subscriptionIds])).toEqual([[1, 202, [a.id, b.id]]]);

      // A burst larger than a POST holds is split
      for (let i = 0; i < 7; i++) em.state.createEvent(account.defaultCalendarId, { subject: `burst ${i}`, start: utc('2030-01-03T10:00:00'), end: utc('2030-01-03T11:00:00') });
      await em.subscriptions.idle();
      expect(hook.bodies.slice(1).map((body) => body.value.length)).toEqual([5, 2]);
    } finally {
      await hook.close();
    }
  });

  it('re-sends a POST the receiver refused, after growing delays, until it is accepted', async () => {
    const hook = await startHook();
    try {
      const account = newAccount();
      const sub = await subscribe(account, account.defaultCalendarId, hook.url);
      hook.answers.push(500, 503);
      const event = em.state.createEvent(account.defaultCalendarId, { subject: 'x', start: utc('2030-01-01T10:00:00'), end: utc('2030-01-01T11:00:00') }).event;
      await em.subscriptions.idle();

      const attempts = changesTo(hook.url);
      expect(attempts.map((d) => [d.attempt, d.status])).toEqual([
        [1, 500],
        [2, 503],
        [3, 202],
      ]);
      expect(hook.bodies.map((body) => body.value.map((n) => [n.subscriptionId, n.resourceData.id]))).toEqual(Array(3).fill([[sub.id, event.id]]));
      expect(attempts[1].time - attempts[0].time).toBeGreaterThanOrEqual(RETRY_DELAYS[0]);
      expect(attempts[2].time - attempts[1].time).toBeGreaterThanOrEqual(RETRY_DELAYS[1]);
    } finally {
      await hook.close();
    }
  });

  it('gives up after the configured re-sends when the receiver cannot be reached, and leaves out removed subscriptions', async () => {
    const hook = await startHook();
    const account = newAccount();
    const second = em.state.calendarsOf(account.id).find((c) => c.name === 'Second')!;
    const kept = await subscribe(account, account.defaultCalendarId, hook.url);
    const removed = await subscribe(account, second.id, hook.url);
    await hook.close();

    em.state.createEvent(account.defaultCalendarId, { subject: 'a', start: utc('2030-01-01T10:00:00'), end: utc('2030-01-01T11:00:00') });
    em.state.createEvent(second.id, { subject: 'b', start: utc('2030-01-01T10:00:00'), end: utc('2030-01-01T11:00:00') });
    await em.subscriptions.waitForDelivery((d) => d.url === hook.url && d.attempt === 1);
    em.subscriptions.remove(account, removed.id);
    await em.subscriptions.idle();

    const attempts = changesTo(hook.url);
    expect(attempts.map((d) => [d.attempt, d.status, d.error !== null, d.subscriptionIds])).toEqual([
      [1, 0, true, [kept.id, removed.id]],
      [2, 0, true, [kept.id]],
      [3, 0, true, [kept.id]],
      [4, 0, true, [kept.id]],
    ]);
  });

  it('re-sends lifecycle notifications too', async () => {
    const hook = await startHook();
    try {
      const account = newAccount();
      const sub = await subscribe(account, account.defaultCalendarId, hook.url);
      hook.answers.push(500);
      const first = await em.subscriptions.lifecycle(sub.id, 'reauthorizationRequired');
      expect([first.attempt, first.status]).toEqual([1, 500]);
      await em.subscriptions.idle();
      const again = em.subscriptions.deliveries.filter((d) => d.kind === 'lifecycle' && d.subscriptionId === sub.id);
      expect(again.map((d) => [d.attempt, d.status])).toEqual([
        [1, 500],
        [2, 202],
      ]);
    } finally {
      await hook.close();
    }
  });
});
