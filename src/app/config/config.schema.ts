import { z } from 'zod';

// Every setting comes from the environment and is validated here; a bad value stops the start
// with a message naming the variable. .env.example documents each one.
const url = (name: string) =>
  z
    .string()
    .url({ message: `${name} must be an absolute URL` })
    .refine((v) => /^https?:\/\//.test(v), { message: `${name} must be an http(s) URL` });

const base64Key = z.string().refine((k) => Buffer.from(k, 'base64').length === 32, {
  message: 'each key must be 32 bytes, base64-encoded',
});

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default('0.0.0.0'),
  PUBLIC_URL: url('PUBLIC_URL').optional(),
  OAUTH_RETURN_URL: url('OAUTH_RETURN_URL').optional(),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// URL').optional(),
  DATA_DIR: z.string().default('.data'),
  AUTH_JWT_SECRET: z.string().min(32, 'AUTH_JWT_SECRET must be at least 32 characters').optional(),
  TOKEN_ENCRYPTION_KEYS: z
    .string()
    .transform((v) => v.split(',').map((k) => k.trim()).filter(Boolean))
    .pipe(z.array(base64Key).min(1, 'TOKEN_ENCRYPTION_KEYS needs at least one key'))
    .optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'REDIS_URL must be a redis:// URL').optional(),
  // api: GraphQL, OAuth and webhooks only; worker: the jobs (sync, push, calendar lists) only; all: both.
  PROCESS_ROLE: z.enum(['api', 'worker', 'all']).default('all'),
  // Set: GET /metrics requires `Authorization: Bearer <METRICS_TOKEN>`
  METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  QUERY_MAX_DEPTH: z.coerce.number().int().min(2).max(50).default(12),
  QUERY_MAX_COST: z.coerce.number().int().min(10).default(20000),
  REALTIME_ACCESS_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(3000),
  REALTIME_SOCKET_RECHECK_MS: z.coerce.number().int().min(50).max(300_000).default(5000),
  SEED_DEMO: z.enum(['auto', 'always', 'never']).default('auto'),
  RATE_LIMIT_RPS: z.coerce.number().int().min(0).default(50),
  RATE_LIMIT_BURST: z.coerce.number().int().min(1).default(200),
  RATE_LIMIT_KEY_PREFIX: z.string().min(1).default('calbridge:rl'),
  WS_MAX_SUBSCRIPTIONS_PER_SOCKET: z.coerce.number().int().min(1).default(100),
  WS_CONNECTION_INIT_TIMEOUT_MS: z.coerce.number().int().min(100).default(3000),

  MICROSOFT_CLIENT_ID: z.string().min(1).optional(),
  MICROSOFT_CLIENT_SECRET: z.string().min(1).optional(),
  MICROSOFT_AUTHORITY: url('MICROSOFT_AUTHORITY').default('https://login.microsoftonline.com/common'),
  MICROSOFT_GRAPH_URL: url('MICROSOFT_GRAPH_URL').default('https://graph.microsoft.com/v1.0'),
  GOOGLE_CLIENT_ID: z.string().min(1).optional(),
  GOOGLE_CLIENT_SECRET: z.string().min(1).optional(),
  GOOGLE_AUTH_URL: url('GOOGLE_AUTH_URL').default('https://accounts.google.com/o/oauth2/v2/auth'),
  GOOGLE_TOKEN_URL: url('GOOGLE_TOKEN_URL').default('https://oauth2.googleapis.com/token'),
  GOOGLE_API_URL: url('GOOGLE_API_URL').default('https://www.googleapis.com/'),
  PROVIDER_CA_FILE: z.string().optional(),
  // Sandbox mode sets it: the consent page offers the CRM user's own account first (login_hint)
  OAUTH_ACCOUNT_HINT: z.enum(['true', 'false']).default('false'),

  SYNC_WINDOW_PAST_DAYS: z.coerce.number().int().min(0).max(365).default(7),
  SYNC_WINDOW_FUTURE_DAYS: z.coerce.number().int().min(1).max(730).default(180),
  // Polling: calendars without push (refused by the provider, free/busy only) every SYNC_POLL_SECONDS;
  // calendars with push still every SYNC_SAFETY_POLL_SECONDS, since notifications get lost.
  SYNC_POLL_SECONDS: z.coerce.number().int().min(10).max(86_400).default(120),
  SYNC_SAFETY_POLL_SECONDS: z.coerce.number().int().min(10).max(86_400).default(900),
  // Provider requests in flight per mailbox across all instances (Graph allows 4 per app per mailbox)
  SYNC_MAILBOX_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(4),
  // A calendar a killed worker was syncing is free again this long after its last written page
  SYNC_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(120),
  // A participant's conflict calendar without push, synced longer ago than this, is synced before a booking
  BOOKING_FRESHNESS_SECONDS: z.coerce.number().int().min(0).max(86_400).default(120),
  // How long a booking waits for those syncs at most
  BOOKING_FRESHNESS_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(3000),
});

export type RawConfig = z.infer<typeof configSchema>;
