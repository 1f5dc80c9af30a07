// Graph change-notification requests: the validation handshake, and notices whose clientState
// hashes to the secret hash stored for their subscription (compared in constant time).
import type { PushNotice, PushNoticeKind, PushRequest } from '../calendar-provider';
import { MAX_PUSH_NOTIFICATIONS, PushRequestRefusedError, type ChannelSecretLookup } from '../shared/push-request';
import { pushSecretMatches } from '../shared/push-secret';

interface GraphNotification {
  subscriptionId?: unknown;
  clientState?: unknown;
  lifecycleEvent?: unknown;
}

const LIFECYCLE: Readonly<Record<string, PushNoticeKind>> = {
  reauthorizationRequired: 'reauthorizationRequired',
  subscriptionRemoved: 'subscriptionRemoved',
  missed: 'missed',
};

/** The decoded validationToken to echo as text/plain, or null when this is no handshake. */
export function graphValidationResponse(req: PushRequest): string | null {
  const token = req.query.validationToken;
  return typeof token === 'string' && token.length > 0 ? token : null;
}

/** How many notifications a Graph push request carries (verified or not). */
export function graphNotificationCount(req: PushRequest): number {
  let body = req.body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    try {
      body = JSON.parse(body.toString());
    } catch {
      return 0;
    }
  }
  const value = (body as { value?: unknown } | null)?.value;
  return Array.isArray(value) ? value.length : 0;
}

export async function verifyGraphPush(req: PushRequest, secretHashes: ChannelSecretLookup): Promise<PushNotice[]> {
  let body = req.body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    try {
      body = JSON.parse(body.toString());
    } catch {
      throw new PushRequestRefusedError('the body is not JSON');
    }
  }
  // Graph always posts {"value": [...]}: anything else is malformed (a notification in it may still be forged).
  const value = body !== null && typeof body === 'object' ? (body as { value?: unknown }).value : undefined;
  if (!Array.isArray(value)) throw new PushRequestRefusedError('not a Graph notification batch: a JSON object with a "value" array is expected');
  if (value.length > MAX_PUSH_NOTIFICATIONS) throw new PushRequestRefusedError(`more than ${MAX_PUSH_NOTIFICATIONS} notifications in one request`);
  const candidates = (value as GraphNotification[]).filter(
    (n): n is GraphNotification & { subscriptionId: string; clientState: string } => typeof n?.subscriptionId === 'string' && typeof n.clientState === 'string',
  );
  if (!candidates.length) return [];
  // One lookup for the whole request, however many channels it names.
  const hashes = await secretHashes([...new Set(candidates.map((n) => n.subscriptionId))]);
  const notices: PushNotice[] = [];
  for (const n of candidates) {
    const hash = hashes.get(n.subscriptionId);
    if (hash === undefined || !pushSecretMatches(n.clientState, hash)) continue;
    if (n.lifecycleEvent === undefined) {
      notices.push({ channelId: n.subscriptionId, kind: 'changed' });
      continue;
    }
    const kind = typeof n.lifecycleEvent === 'string' ? LIFECYCLE[n.lifecycleEvent] : undefined;
    if (kind) notices.push({ channelId: n.subscriptionId, kind });
  }
  return notices;
}
