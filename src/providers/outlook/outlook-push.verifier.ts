// Graph change-notification requests: the validation handshake, and notices whose clientState
// matches the secret stored for their subscription (compared in constant time).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { PushNotice, PushNoticeKind, PushRequest } from '../calendar-provider';

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

/** Equal strings in time independent of where they differ (hashing first also hides the length). */
export function constantTimeEquals(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export async function verifyGraphPush(req: PushRequest, secretFor: (channelId: string) => Promise<string | null>): Promise<PushNotice[]> {
  let body = req.body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    try {
      body = JSON.parse(body.toString());
    } catch {
      return [];
    }
  }
  const value = (body as { value?: unknown } | null)?.value;
  if (!Array.isArray(value)) return [];
  const secrets = new Map<string, Promise<string | null>>();
  const notices: PushNotice[] = [];
  for (const n of value as GraphNotification[]) {
    if (typeof n?.subscriptionId !== 'string' || typeof n.clientState !== 'string') continue;
    if (!secrets.has(n.subscriptionId)) secrets.set(n.subscriptionId, secretFor(n.subscriptionId));
    const secret = await secrets.get(n.subscriptionId)!;
    if (secret === null || !constantTimeEquals(n.clientState, secret)) continue;
    if (n.lifecycleEvent === undefined) {
      notices.push({ channelId: n.subscriptionId, kind: 'changed' });
      continue;
    }
    const kind = typeof n.lifecycleEvent === 'string' ? LIFECYCLE[n.lifecycleEvent] : undefined;
    if (kind) notices.push({ channelId: n.subscriptionId, kind });
  }
  return notices;
}
