import { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { App, startApp, StartAppOptions } from '../../src/app/app';
import { signServiceToken, signUserToken } from '../../src/app/auth/jwt';
import { AppConfig, parseEnv, resolveConfig } from '../../src/app/config/config';
import { BACKGROUND_SQL } from '../../src/app/database/data-source';
import { createTestDatabaseUrl } from './test-database';

export const TEST_JWT_SECRET = 'test-secret-test-secret-test-secret-0123456789';
export const TEST_TOKEN_KEY = Buffer.alloc(32, 7).toString('base64');

export interface GqlResult<R> {
  data?: R | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, unknown> & { code?: string } }>;
}

export interface TestApp {
  app: App;
  url: string;
  wsUrl: string;
  /** SQL statements run since the counter was last reset. */
  sql: { count: number; reset(): void };
  serviceToken: string;
  tokenFor(userId: string): string;
  gql<R, V>(doc: TypedDocumentNode<R, V>, variables: V, token?: string | null): Promise<GqlResult<R>>;
  raw(body: unknown, token?: string | null): Promise<{ status: number; json: GqlResult<unknown> }>;
  stop(): Promise<void>;
}

/** What a test may set of startApp beyond the environment. */
export type TestAppOptions = Pick<StartAppOptions, 'clock' | 'sync' | 'outbox' | 'providerRetry'>;

/** The real service on port 0 with its own database (or `existingDatabaseUrl`, e.g. a second instance). */
export async function startTestApp(env: Record<string, string> = {}, existingDatabaseUrl?: string, options: TestAppOptions = {}): Promise<TestApp> {
  const databaseUrl = existingDatabaseUrl ?? (await createTestDatabaseUrl());
  const raw = parseEnv({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    TOKEN_ENCRYPTION_KEYS: TEST_TOKEN_KEY,
    ...env,
  });
  const config: AppConfig = resolveConfig(raw);
  const counter = { count: 0, reset() { counter.count = 0; } };
  // The periodic tick (polls, push renewals) runs only where a test asks for it: its statements would count.
  const app = await startApp({ config, onQuery: (sql) => !sql.startsWith(BACKGROUND_SQL) && counter.count++, ...options, sync: { tickSeconds: 0, ...options.sync } });
  const url = app.server.url;
  const post = async (body: unknown, token?: string | null) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as GqlResult<unknown> };
  };
  return {
    app,
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    sql: counter,
    serviceToken: signServiceToken(TEST_JWT_SECRET),
    tokenFor: (userId) => signUserToken(TEST_JWT_SECRET, userId),
    gql: async (doc, variables, token) => (await post({ query: print(doc), variables }, token)).json as GqlResult<never>,
    raw: post,
    stop: () => app.stop(),
  };
}

/** The first error's code, for terse assertions. */
export const codeOf = (r: GqlResult<unknown>) => r.errors?.[0]?.extensions?.code;
