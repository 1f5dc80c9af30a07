import { readFileSync } from 'node:fs';
import { configSchema, RawConfig } from './config.schema';

export class ConfigError extends Error {}

/** The validated settings the service runs with (secrets resolved, PUBLIC_URL defaulted). */
export interface AppConfig extends Omit<RawConfig, 'PUBLIC_URL' | 'AUTH_JWT_SECRET' | 'TOKEN_ENCRYPTION_KEYS'> {
  PUBLIC_URL: string;
  AUTH_JWT_SECRET: string;
  TOKEN_ENCRYPTION_KEYS: string[];
  providerCaPem: string | null;
  /** False when PUBLIC_URL was defaulted: it then follows the port actually bound. */
  publicUrlExplicit: boolean;
}

export function parseEnv(env: NodeJS.ProcessEnv): RawConfig {
  // Empty strings count as unset, as in most .env tooling.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = configSchema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}

/**
 * Resolves the final config. `generated` holds secrets created for a local embedded-database run;
 * a variable that is set always wins over a generated value.
 */
export function resolveConfig(raw: RawConfig, generated: { AUTH_JWT_SECRET?: string; TOKEN_ENCRYPTION_KEYS?: string[] } = {}, port?: number): AppConfig {
  const jwt = raw.AUTH_JWT_SECRET ?? generated.AUTH_JWT_SECRET;
  const keys = raw.TOKEN_ENCRYPTION_KEYS ?? generated.TOKEN_ENCRYPTION_KEYS;
  if (!jwt) throw new ConfigError('AUTH_JWT_SECRET is required (at least 32 characters) when DATABASE_URL is set or NODE_ENV=production');
  if (!keys?.length)
    throw new ConfigError('TOKEN_ENCRYPTION_KEYS is required (comma-separated 32-byte base64 keys, newest first) when DATABASE_URL is set or NODE_ENV=production');
  // Events published by a worker must reach the api instances' subscribers: only Redis carries them across.
  if (raw.PROCESS_ROLE !== 'all' && !raw.REDIS_URL)
    throw new ConfigError(
      `PROCESS_ROLE=${raw.PROCESS_ROLE} needs REDIS_URL: with the API and the workers in separate processes, sync-status and availability events reach subscribers only through Redis`,
    );
  let providerCaPem: string | null = null;
  if (raw.PROVIDER_CA_FILE) {
    try {
      providerCaPem = readFileSync(raw.PROVIDER_CA_FILE, 'utf8');
    } catch {
      throw new ConfigError(`PROVIDER_CA_FILE: cannot read ${raw.PROVIDER_CA_FILE}`);
    }
  }
  const publicUrl = (raw.PUBLIC_URL ?? `http://localhost:${port ?? raw.PORT}`).replace(/\/+$/, '');
  return { ...raw, PUBLIC_URL: publicUrl, AUTH_JWT_SECRET: jwt, TOKEN_ENCRYPTION_KEYS: keys, providerCaPem, publicUrlExplicit: !!raw.PUBLIC_URL };
}

/** Secrets may only be generated for a local run on the embedded database. */
export function mayGenerateSecrets(raw: RawConfig): boolean {
  return !raw.DATABASE_URL && raw.NODE_ENV !== 'production';
}
