import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface GeneratedSecrets {
  AUTH_JWT_SECRET: string;
  TOKEN_ENCRYPTION_KEYS: string[];
}

// For the zero-config local run: secrets are created once and kept beside the embedded database,
// so tokens printed yesterday still work today.
export function loadOrCreateSecrets(dataDir: string): GeneratedSecrets {
  const file = join(dataDir, 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as GeneratedSecrets;
  mkdirSync(dataDir, { recursive: true });
  const secrets: GeneratedSecrets = {
    AUTH_JWT_SECRET: randomBytes(48).toString('base64url'),
    TOKEN_ENCRYPTION_KEYS: [randomBytes(32).toString('base64')],
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}
