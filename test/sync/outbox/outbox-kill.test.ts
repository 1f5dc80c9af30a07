import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Provider } from '../../generated/graphql';
import { useEmulatedService } from '../../support/emulated-service';
import { book, eventWrites, heldEvents, LinkedMember, linkedMember, NOW, ok, until } from '../../support/outbox-world';
import { TEST_JWT_SECRET, TEST_TOKEN_KEY } from '../../support/test-app';

// kill -9 of the process writing an event, after the provider received the create and before its answer came
// back: another process takes the write over once the dead one's lease runs out, and the idempotency key makes
// its create return the event already made. Exactly one event.

const root = join(__dirname, '..', '..', '..');

describe('a worker killed mid-write', () => {
  // This process only books; the workers run in child processes.
  const s = useEmulatedService({ app: { outbox: { work: false } }, now: NOW });
  const children: ChildProcess[] = [];
  const members = new Map<Provider, LinkedMember>();

  beforeAll(async () => {
    // Connected before any worker dies: a killed worker's job stays active (for pg-boss) until it expires.
    for (const provider of ['GOOGLE', 'OUTLOOK'] as const) members.set(provider, await linkedMember(s.t, s.emu, s.flow, provider));
  });
  afterEach(async () => {
    const running = children.splice(0).filter((c) => c.exitCode === null && c.signalCode === null);
    for (const c of running) c.kill('SIGKILL');
    await Promise.all(running.map((c) => new Promise((resolve) => c.once('exit', resolve))));
  });

  /** A calbridge process on the test's database whose outbox works with a 1 s lease; resolves once it runs. */
  async function worker(): Promise<ChildProcess> {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'test/support/outbox-worker.main.ts'], {
      cwd: root,
      env: {
        ...process.env,
        ...s.emu.env,
        NODE_ENV: 'test',
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        DATABASE_URL: s.t.app.config.DATABASE_URL,
        AUTH_JWT_SECRET: TEST_JWT_SECRET,
        TOKEN_ENCRYPTION_KEYS: TEST_TOKEN_KEY,
        TEST_OUTBOX_LEASE_SECONDS: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (c: Buffer) => {
        out += c.toString();
        if (out.includes('ready\n')) resolve();
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
      child.once('exit', (code) => reject(new Error(`worker exited (${code}) before it was ready:\n${out}`)));
    });
    return child;
  }

  test.each<Provider>(['GOOGLE', 'OUTLOOK'])('%s: kill -9 while the create is at the provider, restart: exactly one event', async (provider) => {
    const m = members.get(provider)!;
    // The provider takes its time with the create (it still makes the event); the fault is used up on arrival.
    let arrived: () => boolean;
    if (provider === 'OUTLOOK') {
      const delay = s.emu.microsoft.addFault({ kind: 'delay', ms: 1_000, account: m.account, route: 'POST /v1.0/me/calendars/*/events', times: 1 });
      arrived = () => delay.hits > 0;
    } else {
      s.emu.google.faults.add({ fault: { type: 'delay', ms: 1_000 }, route: /\/events$/, method: 'POST', account: m.account, times: 1 });
      arrived = () => s.emu.google.faults.list().length === 0;
    }
    const first = await worker();
    const a = ok(await book(s.t, m, '2030-06-03T10:00')).bookAppointment;
    await until(arrived, "the first worker's create to reach the provider");
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    await until(() => heldEvents(s.emu, m).length === 1, 'the provider to finish the orphaned create');

    await worker();
    await until(async () => (await s.t.app.ds.query(`SELECT state FROM appointment_writes WHERE appointment_id = $1`, [a.id]))[0].state === 'WRITTEN', 'the restarted worker to finish the write', 20_000);
    expect(heldEvents(s.emu, m)).toHaveLength(1);
    // Two creates reached the provider (the orphaned one and the retry), one event came of them.
    expect(eventWrites(s.emu, m).filter((r) => r.method === 'POST')).toHaveLength(2);
  });
});
