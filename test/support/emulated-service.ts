// The set-up most end-to-end tests share: both provider emulators, the real service pointed at them, and the
// OAuth flow, started once for a describe block and stopped after it. One call registers the hooks.
import type { Client } from 'graphql-ws';
import type { DataSource } from 'typeorm';
import { ConnectFlow, Emulators, startEmulators } from './connect-flow';
import { startTestApp, TestApp, TestAppOptions } from './test-app';

export interface EmulatedServiceOptions {
  /** Variables over the emulators' (PUBLIC_URL, a limit…); a function when they depend on something found once the emulators run. */
  env?: Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);
  /** startApp options: sync and outbox tuning, provider retries, an injected clock. */
  app?: TestAppOptions;
  /** The service's clock stands at this instant, and is put back to it after each test (tests may move it). */
  now?: Date;
}

export interface EmulatedService {
  readonly t: TestApp;
  readonly emu: Emulators;
  readonly flow: ConnectFlow;
  ds(): DataSource;
  /** graphql-ws clients a test opened: disposed after it. */
  readonly clients: Client[];
}

/**
 * Call once in a describe block. Before its tests: the emulators, then the service, then the flow. After each test:
 * the clock back at `now`, both emulators' faults cleared, the test's clients disposed. After all: service, emulators.
 * The handles are getters: they exist from beforeAll on.
 */
export function useEmulatedService(opts: EmulatedServiceOptions = {}): EmulatedService {
  let t: TestApp | undefined;
  let emu: Emulators | undefined;
  let flow: ConnectFlow | undefined;
  const clients: Client[] = [];
  const started = <T>(value: T | undefined, name: string): T => {
    if (value === undefined) throw new Error(`useEmulatedService: ${name} is there from beforeAll on`);
    return value;
  };
  const pin = (app: TestApp, now: Date) => (app.app.services.clock.now = () => now);

  beforeAll(async () => {
    emu = await startEmulators();
    const extra = typeof opts.env === 'function' ? await opts.env() : opts.env;
    t = await startTestApp({ ...emu.env, ...extra }, undefined, opts.app);
    if (opts.now) pin(t, opts.now);
    flow = new ConnectFlow(t, emu);
  });
  afterEach(async () => {
    if (opts.now && t) pin(t, opts.now);
    emu?.microsoft.faults.clear();
    emu?.google.faults.clear();
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
  });
  afterAll(async () => {
    await t?.stop();
    await emu?.close();
  });

  return {
    get t() {
      return started(t, 't');
    },
    get emu() {
      return started(emu, 'emu');
    },
    get flow() {
      return started(flow, 'flow');
    },
    ds: () => started(t, 't').app.ds,
    clients,
  };
}
