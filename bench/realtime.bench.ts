// Realtime at scale, against the service in a child process (its memory its own), with lean graphql-ws clients in
// this process:
// - fanout_1000_p99: one conflictsChanged, published on the Redis bus as a worker instance publishes it, until
//   each of 1,000 subscribers (one socket each) has it; the 99th percentile of the delivery times over ROUNDS events,
//   after WARM_UP_ROUNDS alike that are not counted (JIT, and the collection of what opening 1,000 subscriptions left).
// - rss_10k_subscriptions_mb: the service's resident memory holding 10,000 idle subscriptions (5,000 sockets with
//   conflictsChanged and syncStatusChanged each, as a client app keeps them), every subscribe sent at once (as after
//   a restart, when every client reconnects); BENCH_SUBSCRIBE_BATCH=n sends them n sockets at a time instead.
// Needs Redis (BENCH_REDIS_URL, TEST_REDIS_URL or redis://127.0.0.1:6379). Diagnostics on stderr only.
// Profiling: BENCH_REALTIME=fanout|rss runs one part; BENCH_SERVICE_ARGV passes node flags to the service (e.g.
// "--cpu-prof --heapsnapshot-signal=SIGUSR2"), and BENCH_HEAPSNAPSHOT=ms signals it before and after the rss part.
import { readFileSync } from 'node:fs';
import 'reflect-metadata';
import { signUserToken } from '../src/app/auth/jwt';
import { createDataSource } from '../src/app/database/data-source';
import { createEventBus } from '../src/realtime/pubsub';
import { ChildService, startChildService } from '../test/support/child-service';
import { insertAgency, insertLocation, insertUser } from '../test/support/fixtures';
import { TEST_JWT_SECRET } from '../test/support/test-app';
import type { Figure } from './run';
import { scratchDatabase } from './support/bench-database';
import { median, percentile, until } from './support/bench-service';
import { nowMs, openSubscribers, WsSubscriber } from './support/ws-subscriber';

const FANOUT_SUBSCRIBERS = 1000;
const FANOUT_ROUNDS = 20;
const WARM_UP_ROUNDS = 5;
/** Between fanout rounds: events a little apart, as a sync's come. */
const ROUND_GAP_MS = 100;
const RSS_SOCKETS = 5000;
const USERS = 500;

const CONFLICTS = `subscription ($locationId: ID!) { conflictsChanged(locationId: $locationId) { userId locationId from to } }`;
const SYNC_STATUS = `subscription ($locationId: ID!) { syncStatusChanged(locationId: $locationId) { at connection { id syncState lastSyncedAt } } }`;

/** Resident memory of a process in MB (Linux /proc). */
function rssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  return kb / 1024;
}

/** The service as the bench sees it: its metrics, and the subscribers opened on it. */
class Probe {
  subscribers: WsSubscriber[] = [];
  private readonly metricsUrl: string;

  constructor(readonly svc: ChildService) {
    this.metricsUrl = svc.url.replace(/\/graphql$/, '/metrics');
  }

  async metrics(): Promise<string> {
    return (await fetch(this.metricsUrl)).text();
  }

  /** Where the memory is, as the service's own process metrics tell (V8 heap in use and reserved, memory outside it). */
  async heapMb(): Promise<{ heapUsedMb: number; heapTotalMb: number; externalMb: number }> {
    const text = await this.metrics();
    const mb = (name: string) => Math.round(Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN) / 1048576);
    return { heapUsedMb: mb('nodejs_heap_size_used_bytes'), heapTotalMb: mb('nodejs_heap_size_total_bytes'), externalMb: mb('nodejs_external_memory_bytes') };
  }

  /** Waits until the service counts `n` open subscriptions (a subscription counts once its stream is open: access checked). */
  async untilActive(n: number, what: string): Promise<void> {
    await until(
      async () => {
        const failed = this.subscribers.find((s) => s.failure);
        if (failed) throw new Error(`${what}: ${failed.failure}`);
        return Number(/^calbridge_active_subscriptions (\d+)/m.exec(await this.metrics())?.[1] ?? 0) === n;
      },
      180_000,
      what,
      200,
    );
  }

  async closeAll(): Promise<void> {
    for (const s of this.subscribers.splice(0)) s.close();
    await this.untilActive(0, 'subscriptions closed');
  }

  /** The service runs with --heapsnapshot-signal=SIGUSR2 (BENCH_SERVICE_ARGV); BENCH_HEAPSNAPSHOT: ms to let it write. */
  async heapSnapshot(): Promise<void> {
    if (!process.env.BENCH_HEAPSNAPSHOT) return;
    process.kill(this.svc.pid, 'SIGUSR2');
    await new Promise((r) => setTimeout(r, Number(process.env.BENCH_HEAPSNAPSHOT)));
  }
}

/** 1,000 sockets with one conflictsChanged subscription each; each round publishes one event and waits until all have it. */
async function fanout(probe: Probe, tokenOf: (i: number) => string, locationId: string, publish: (from: Date) => Promise<unknown>): Promise<Figure> {
  probe.subscribers = await openSubscribers(probe.svc.wsUrl, tokenOf, FANOUT_SUBSCRIBERS);
  const counts = new Array<number>(FANOUT_SUBSCRIBERS).fill(0);
  const arrivals = new Array<number>(FANOUT_SUBSCRIBERS).fill(0);
  probe.subscribers.forEach((s, i) =>
    s.subscribe(CONFLICTS, { locationId }, (d) => {
      counts[i]++;
      arrivals[i] = d.at;
    }),
  );
  await probe.untilActive(FANOUT_SUBSCRIBERS, 'fanout subscriptions open');
  const delivered = () => counts.reduce((a, b) => a + b, 0);
  const round = async (n: number): Promise<number[]> => {
    const before = delivered();
    const sent = nowMs();
    await publish(new Date(Date.UTC(2031, 0, 1 + n)));
    await until(async () => delivered() >= before + FANOUT_SUBSCRIBERS, 30_000, 'fanout delivered', 2);
    const latencies = arrivals.map((at) => at - sent);
    await new Promise((r) => setTimeout(r, ROUND_GAP_MS));
    return latencies;
  };
  const warmUp: number[] = [];
  for (let n = 0; n < WARM_UP_ROUNDS; n++) warmUp.push(percentile(await round(n), 99));
  const latencies: number[] = [];
  const roundP99: number[] = [];
  process.stderr.write(`mark fanout-start ${process.hrtime.bigint() / 1000n}\n`);
  for (let n = 0; n < FANOUT_ROUNDS; n++) {
    const these = await round(WARM_UP_ROUNDS + n);
    latencies.push(...these);
    roundP99.push(percentile(these, 99));
  }
  process.stderr.write(`mark fanout-end ${process.hrtime.bigint() / 1000n}\n`);
  process.stderr.write(`fanout_1000: p99 per round ${roundP99.map((v) => v.toFixed(1)).join(' ')} ms (warm-up ${warmUp.map((v) => v.toFixed(1)).join(' ')})\n`);
  await probe.closeAll();
  return {
    figure: 'fanout_1000_p99',
    value: Number(percentile(latencies, 99).toFixed(1)),
    unit: 'ms',
    p50: Number(percentile(latencies, 50).toFixed(1)),
    max: Number(Math.max(...latencies).toFixed(1)),
    medianRoundP99: Number(median(roundP99).toFixed(1)),
    subscribers: FANOUT_SUBSCRIBERS,
    users: USERS,
    rounds: FANOUT_ROUNDS,
    warmUpRounds: WARM_UP_ROUNDS,
    via: 'redis',
  };
}

/** 5,000 sockets × (conflictsChanged + syncStatusChanged), then idle: the service's resident memory. */
async function rss(probe: Probe, tokenOf: (i: number) => string, locationId: string, baselineMb: number): Promise<Figure> {
  probe.subscribers = await openSubscribers(probe.svc.wsUrl, tokenOf, RSS_SOCKETS);
  const batch = Number(process.env.BENCH_SUBSCRIBE_BATCH ?? RSS_SOCKETS);
  const subscribing = nowMs();
  for (let i = 0; i < RSS_SOCKETS; i += batch) {
    probe.subscribers.slice(i, i + batch).forEach((s) => {
      s.subscribe(CONFLICTS, { locationId }, () => undefined);
      s.subscribe(SYNC_STATUS, { locationId }, () => undefined);
    });
    await probe.untilActive(Math.min(RSS_SOCKETS, i + batch) * 2, 'subscriptions open');
  }
  process.stderr.write(`rss_10k_subscriptions: all open ${((nowMs() - subscribing) / 1000).toFixed(1)} s after the first subscribe\n`);
  await new Promise((r) => setTimeout(r, 3000)); // idle: the subscribes' garbage collected
  const value = rssMb(probe.svc.pid);
  const memory = await probe.heapMb();
  process.stderr.write(`rss_10k_subscriptions: ${value.toFixed(0)} MB with ${RSS_SOCKETS * 2} subscriptions (baseline ${baselineMb.toFixed(0)} MB) ${JSON.stringify(memory)}\n`);
  await probe.heapSnapshot();
  await probe.closeAll();
  return {
    figure: 'rss_10k_subscriptions_mb',
    value: Math.round(value),
    unit: 'MB',
    subscriptions: RSS_SOCKETS * 2,
    sockets: RSS_SOCKETS,
    users: USERS,
    subscribeBatch: batch,
    baselineMb: Math.round(baselineMb),
    ...memory,
  };
}

export async function run(): Promise<Figure[]> {
  const redisUrl = process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const db = await scratchDatabase();
  // Provider client ids set (never called here): no sandbox emulators in the service's memory.
  const svc = await startChildService(
    {
      DATABASE_URL: db.url,
      REDIS_URL: redisUrl,
      MICROSOFT_CLIENT_ID: 'bench',
      MICROSOFT_CLIENT_SECRET: 'bench',
      GOOGLE_CLIENT_ID: 'bench.apps.googleusercontent.com',
      GOOGLE_CLIENT_SECRET: 'bench',
    },
    { execArgv: process.env.BENCH_SERVICE_ARGV?.split(' ').filter(Boolean) },
  );
  const probe = new Probe(svc);
  const ds = createDataSource({ url: db.url, poolSize: 2 });
  const bus = createEventBus(redisUrl);
  try {
    await ds.initialize();
    const agencyId = await insertAgency(ds);
    const locationId = await insertLocation(ds, agencyId, 'Bench', 'UTC');
    const userIds: string[] = [];
    for (let i = 0; i < USERS; i++) userIds.push(await insertUser(ds, agencyId, 'ACCOUNT', 'USER', [locationId]));
    const tokens = userIds.map((id) => signUserToken(TEST_JWT_SECRET, id));
    const tokenOf = (i: number) => tokens[i % USERS];
    const baselineMb = rssMb(svc.pid);
    process.stderr.write(`baseline: ${baselineMb.toFixed(0)} MB ${JSON.stringify(await probe.heapMb())}\n`);
    await probe.heapSnapshot();
    const publish = async (from: Date) =>
      bus.pubsub.publish('conflicts', locationId, { locationId, userId: userIds[0], from: from.toISOString(), to: new Date(from.getTime() + 3600_000).toISOString() });

    const only = process.env.BENCH_REALTIME;
    const figures: Figure[] = [];
    if (!only || only === 'fanout') figures.push(await fanout(probe, tokenOf, locationId, publish));
    if (!only || only === 'rss') figures.push(await rss(probe, tokenOf, locationId, baselineMb));
    return figures;
  } finally {
    for (const s of probe.subscribers) s.close();
    await bus.close();
    if (ds.isInitialized) await ds.destroy();
    await svc.stop();
    await db.drop();
  }
}
