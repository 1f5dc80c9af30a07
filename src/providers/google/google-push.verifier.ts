import { createHash, timingSafeEqual } from 'node:crypto';
import type { PushNotice, PushRequest } from '../calendar-provider';

// Google watch notifications: empty POSTs whose headers name the channel and echo its token.

const header = (req: PushRequest, name: string): string | undefined => {
  const v = req.headers[name] ?? req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

/** Constant-time, whatever the lengths (compares digests). */
export function secretsMatch(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export async function verifyGooglePush(req: PushRequest, secretFor: (channelId: string) => Promise<string | null>): Promise<PushNotice[]> {
  const channelId = header(req, 'x-goog-channel-id');
  const token = header(req, 'x-goog-channel-token');
  const state = header(req, 'x-goog-resource-state');
  if (!channelId || token === undefined || !state) return [];
  const secret = await secretFor(channelId);
  if (secret === null || !secretsMatch(token, secret)) return [];
  if (state === 'sync') return [{ channelId, kind: 'sync' }];
  if (state === 'exists' || state === 'not_exists') return [{ channelId, kind: 'changed' }];
  return [];
}
