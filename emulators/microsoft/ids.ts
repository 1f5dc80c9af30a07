// Opaque ids shaped like Graph's (only characters that are safe in a URL path).
import { randomBytes, randomUUID } from 'node:crypto';

export const newGraphId = (prefix = 'AAMkA'): string => prefix + randomBytes(24).toString('hex').toUpperCase();
export const newGuid = (): string => randomUUID();
export const newToken = (prefix: string, bytes = 32): string => prefix + randomBytes(bytes).toString('base64url');
export const newChangeKey = (): string => randomBytes(12).toString('base64');
/** Personal (MSA) accounts: /me id is 16 hex chars, the id_token oid is that id inside a zero GUID. */
export const newPersonalId = (): string => randomBytes(8).toString('hex');

// Occurrence ids are derived from the master id and the original start, so they stay stable
// when an occurrence is moved; "_" never appears in a master id.
export function occurrenceId(masterId: string, originalStartMs: number): string {
  return `${masterId}_${new Date(originalStartMs).toISOString().replace(/[-:]|\.\d+/g, '')}`;
}

export function parseOccurrenceId(id: string): { masterId: string; originalStartMs: number } | null {
  const m = /^([A-Za-z0-9]+)_(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(id);
  if (!m) return null;
  return { masterId: m[1], originalStartMs: Date.UTC(+m[2], +m[3] - 1, +m[4], +m[5], +m[6], +m[7]) };
}
