// Realtime at scale, against the service in a child process (its memory its own), with lean graphql-ws clients in
// this process:
// - fanout_1000_p99: one conflictsChanged, published on the Redis bus as a worker instance publishes it, until
//   each of 1,000 subscribers (one socket each) has it; the 99th percentile of the delivery times over ROUNDS events.
// - rss_10k_subscriptions_mb: the service's resident memory holding 10,000 idle subscriptions (5,000 sockets with
//   conflictsChanged and syncStatusChanged each, as a client app keeps them).
// Needs Redis (BENCH_REDIS_URL, TEST_REDIS_URL or redis://127.0.0.1:6379). Diagnostics on stderr only.
import { readFileSync } from 'node:fs';
import 'reflect-metadata';
import { signUserToken } from '../src/app/auth/jwt';
import { createDataSource } from '../src/app/database/data-source';
import { createEventBus } from '../src/realtime/pubsub';
import { startChildService } from '../test/support/child-service';
import { insertAgency, insertLocation, insertUser } from '../test/support/fixtures';
import { TEST_JWT_SECRET } from '../test/support/test-app';
import type { Figure } from './run';
import { scratchDatabase } from './support/bench-database';
import { median, percentile, until } from './support/bench-service';
import { nowMs, openSubscribers, WsSubscriber } from './support/ws-subscriber';

const FANOUT_SUBSCRIBERS = 1000;
const FANOUT_ROUNDS = 20;
const RSS_SOCKETS = 5000;
const USERS = 500;

const CONFLICTS = `subscription ($locationId: ID!) { conflictsChanged(locationId: $locationId) { userId locationId from to } }`;
const SYNC_STATUS = `subscription ($locationId: ID!) { syncStatusChanged(locationId: $locationId) { at connection { id syncState lastSyncedAt } } }`;

/** Resident memory of a process in MB (Linux /proc). */
function rssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  return kb / 1024;
}

export async function run(): Promise<Figure[]> {
  const redisUrl = process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const db = await scratchDatabase();
  // Provider client ids set (never called here): no sandbox emulators in the service's memory.
  const svc = await startChildService({
    DATABASE_URL: db.url,
    REDIS_URL: redisUrl,
    MICROSOFT_CLIENT_ID: 'bench',
    MICROSOFT_CLIENT_SECRET: 'bench',
    GOOGLE_CLIENT_ID: 'bench.apps.googleusercontent.com',
    GOOGLE_CLIENT_SECRET: 'bench',
  }, { execArgv: process.env.BENCH_SERVICE_ARGV?.split(' ').filter(Boolean) });
  const ds = createDataSource({ url: db.url, poolSize: 2 });
  const bus = createEventBus(redisUrl);
  let subscribers: WsSubscriber[] = [];
  try {
    await ds.initialize();
    const agencyId = await insertAgency(ds);
    const locationId = await insertLocation(ds, agencyId, 'Bench', 'UTC');
    const userIds: string[] = [];
    for (let i = 0; i < USERS; i++) userIds.push(await insertUser(ds, agencyId, 'ACCOUNT', 'USER', [locationId]));
    const tokens = userIds.map((id) => signUserToken(TEST_JWT_SECRET, id));
    const tokenOf = (i: number) => tokens[i % USERS];
    const metricsUrl = svc.url.replace(/\/graphql$/, '/metrics');
    /** Where the memory is, as the service's own process metrics tell (V8 heap in use and reserved, memory outside it). */
    const heapMb = async () => {
      const text = await (await fetch(metricsUrl)).text();
      const mb = (name: string) => Math.round(Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN) / 1048576);
      if (process.env.BENCH_HEAP_SPACES) process.stderr.write(`${text.split('\n').filter((l) => l.startsWith('nodejs_heap_space_size')).join('\n')}\n`);
      return { heapUsedMb: mb('nodejs_heap_size_used_bytes'), heapTotalMb: mb('nodejs_heap_size_total_bytes'), externalMb: mb('nodejs_external_memory_bytes') };
    };
    const baselineMb = rssMb(svc.pid);
    const heapSnapshot = async () => {
      // The service runs with --heapsnapshot-signal=SIGUSR2 (BENCH_SERVICE_ARGV); BENCH_HEAPSNAPSHOT: ms to let it write.
      if (!process.env.BENCH_HEAPSNAPSHOT) return;
      process.kill(svc.pid, 'SIGUSR2');
      await new Promise((r) => setTimeout(r, Number(process.env.BENCH_HEAPSNAPSHOT)));
    };
    await heapSnapshot();
    process.stderr.write(`baseline: ${baselineMb.toFixed(0)} MB ${JSON.stringify(await heapMb())}\n`);

    const conflicts = (from: Date) => bus.pubsub.publish('conflicts', locationId, { locationId, userId: userIds[0], from: from.toISOString(), to: new Date(from.getTime() + 3600_000).toISOString() });
    /** Open subscriptions, as the service counts them (a subscription counts once its stream is open: access checked). */
    const activeSubscriptions = async () => Number(/^calbridge_active_subscriptions (\d+)/m.exec(await (await fetch(metricsUrl)).text())?.[1] ?? 0);
    const untilActive = async (n: number, what: string) => {
      await until(
        async () => {
          const failed = subscribers.find((s) => s.failure);
          if (failed) throw new Error(`${what}: ${failed.failure}`);
          return (await activeSubscriptions()) >= n;
        },
        180_000,
        what,
        200,
      );
    };

    const figures: Figure[] = [];
    // BENCH_REALTIME=fanout or rss runs one part alone (profiling).
    const only = process.env.BENCH_REALTIME;
    if (!only || only === 'fanout') {
    // fanout: 1,000 sockets with one conflictsChanged subscription each.
    subscribers = await openSubscribers(svc.wsUrl, tokenOf, FANOUT_SUBSCRIBERS);
    const counts = new Array<number>(FANOUT_SUBSCRIBERS).fill(0);
    const arrivals = new Array<number>(FANOUT_SUBSCRIBERS).fill(0);
    subscribers.forEach((s, i) =>
      s.subscribe(CONFLICTS, { locationId }, (d) => {
        counts[i]++;
        arrivals[i] = d.at;
      }),
    );
    await untilActive(FANOUT_SUBSCRIBERS, 'fanout subscriptions open');
    // A first event to each (code paths warm), not counted.
    const warm = counts.reduce((a, b) => a + b, 0);
    await conflicts(new Date());
    await until(async () => counts.reduce((a, b) => a + b, 0) >= warm + FANOUT_SUBSCRIBERS, 30_000, 'first event delivered', 10);
    const latencies: number[] = [];
    const roundP99: number[] = [];
    process.stderr.write(`mark fanout-start ${process.hrtime.bigint() / 1000n}\n`);
    for (let round = 0; round < FANOUT_ROUNDS; round++) {
      const before = counts.reduce((a, b) => a + b, 0);
      const sent = nowMs();
      await conflicts(new Date(Date.UTC(2031, 0, 1 + round)));
      await until(async () => counts.reduce((a, b) => a + b, 0) >= before + FANOUT_SUBSCRIBERS, 30_000, 'fanout delivered', 2);
      const these = arrivals.map((at) => at - sent);
      latencies.push(...these);
      roundP99.push(percentile(these, 99));
      await new Promise((r) => setTimeout(r, 100));
    }
    process.stderr.write(`mark fanout-end ${process.hrtime.bigint() / 1000n}\n`);
    process.stderr.write(`fanout_1000: p99 per round ${roundP99.map((v) => v.toFixed(1)).join(' ')} ms\n`);
    for (const s of subscribers) s.close();
    await until(async () => (await activeSubscriptions()) === 0, 30_000, 'fanout subscriptions closed', 200);
    figures.push({
        figure: 'fanout_1000_p99',
        value: Number(percentile(latencies, 99).toFixed(1)),
        unit: 'ms',
        p50: Number(percentile(latencies, 50).toFixed(1)),
        max: Number(Math.max(...latencies).toFixed(1)),
        medianRoundP99: Number(median(roundP99).toFixed(1)),
        subscribers: FANOUT_SUBSCRIBERS,
        users: USERS,
        rounds: FANOUT_ROUNDS,
        via: 'redis',
      });
    }
    if (!only || only === 'rss') {

    // rss: 5,000 sockets × (conflictsChanged + syncStatusChanged), idle.
    subscribers = await openSubscribers(svc.wsUrl, tokenOf, RSS_SOCKETS);
    const batch = Number(process.env.BENCH_SUBSCRIBE_BATCH ?? RSS_SOCKETS);
    const subscribing = nowMs();
    for (let i = 0; i < RSS_SOCKETS; i += batch) {
      subscribers.slice(i, i + batch).forEach((s) => {
        s.subscribe(CONFLICTS, { locationId }, () => undefined);
        s.subscribe(SYNC_STATUS, { locationId }, () => undefined);
      });
      await untilActive(Math.min(RSS_SOCKETS, i + batch) * 2, 'subscriptions open');
    }
    process.stderr.write(`rss_10k_subscriptions: all open ${((nowMs() - subscribing) / 1000).toFixed(1)} s after the first subscribe\n`);
    await new Promise((r) => setTimeout(r, 3000)); // idle: the subscribes' garbage collected
    const rss = rssMb(svc.pid);
    const memory = await heapMb();
    process.stderr.write(`rss_10k_subscriptions: ${JSON.stringify(memory)}\n`);
    await heapSnapshot();
    process.stderr.write(`rss_10k_subscriptions: ${rss.toFixed(0)} MB with ${RSS_SOCKETS * 2} subscriptions (baseline ${baselineMb.toFixed(0)} MB)\n`);

    figures.push({ figure: 'rss_10k_subscriptions_mb', value: Math.round(rss), unit: 'MB', subscriptions: RSS_SOCKETS * 2, sockets: RSS_SOCKETS, users: USERS, baselineMb: Math.round(baselineMb), ...memory });
    }
    return figures;
  } finally {
    for (const s of subscribers) s.close();
    await bus.close();
    if (ds.isInitialized) await ds.destroy();
    await svc.stop();
    await db.drop();
  }
}
