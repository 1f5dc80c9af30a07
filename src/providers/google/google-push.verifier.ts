import type { PushNotice, PushRequest } from '../calendar-provider';
import { PushRequestRefusedError, type ChannelSecretLookup } from '../shared/push-request';
import { pushSecretMatches } from '../shared/push-secret';

// Google watch notifications: empty POSTs whose headers name the channel and echo its token.

const header = (req: PushRequest, name: string): string | undefined => {
  const v = req.headers[name] ?? req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

export async function verifyGooglePush(req: PushRequest, secretHashes: ChannelSecretLookup): Promise<PushNotice[]> {
  const channelId = header(req, 'x-goog-channel-id');
  const token = header(req, 'x-goog-channel-token');
  const state = header(req, 'x-goog-resource-state');
  // Google always names the channel and the resource state: without them it is no Google notification.
  if (!channelId || !state) throw new PushRequestRefusedError('not a Google channel notification: X-Goog-Channel-ID and X-Goog-Resource-State are required');
  // Our channels all have a token: a notice without one is forged.
  if (token === undefined) return [];
  const hash = (await secretHashes([channelId])).get(channelId);
  if (hash === undefined || !pushSecretMatches(token, hash)) return [];
  if (state === 'sync') return [{ channelId, kind: 'sync' }];
  if (state === 'exists' || state === 'not_exists') return [{ channelId, kind: 'changed' }];
  return [];
}
