import express, { Express, Request } from 'express';
import { logger } from '../app/logging/logger';
import type { Metrics } from '../app/metrics/metrics';
import { Provider } from '../connections/connection.enums';
import { PushRequest } from '../providers/calendar-provider';
import { ProviderRegistry } from '../providers/provider-registry';
import { graphNotificationCount } from '../providers/outlook/outlook-push.verifier';
import { PushRequestRefusedError } from '../providers/shared/push-request';
import { PushChannelService } from './push-channel.service';

const toPushRequest = (req: Request): PushRequest => ({
  headers: req.headers,
  query: Object.fromEntries(Object.entries(req.query).map(([k, v]) => [k, typeof v === 'string' ? v : undefined])),
  body: req.body,
});

/**
 * Provider push endpoints. Answers fast (Graph wants a reply within 3 s): handshakes are echoed,
 * notifications verified against the channel's secret, then handed to `onNotice`.
 */
export function mountWebhookRoutes(
  app: Express,
  deps: { providers: ProviderRegistry; push: PushChannelService; onNotice: (channelId: string, kind: string) => Promise<void>; metrics?: Metrics },
): void {
  for (const provider of [Provider.OUTLOOK, Provider.GOOGLE]) {
    const driver = deps.providers.get(provider);
    const handler = async (req: Request, res: express.Response) => {
      const pushReq = toPushRequest(req);
      const handshake = driver.validationResponse(pushReq);
      if (handshake !== null) {
        // The echo is the caller's own text: never let a browser sniff it into HTML.
        res.status(200).type('text/plain').set('X-Content-Type-Options', 'nosniff').send(handshake);
        return;
      }
      try {
        const notices = await driver.verifyPush(pushReq, (ids) => deps.push.secretHashes(ids));
        res.status(202).end();
        // Google sends one notification per request, Graph a batch: what verification dropped was forged or unknown
        const received = provider === Provider.OUTLOOK ? graphNotificationCount(pushReq) : 1;
        deps.metrics?.webhook(provider, 'accepted', notices.length);
        deps.metrics?.webhook(provider, 'rejected', Math.max(0, received - notices.length));
        for (const n of notices) await deps.onNotice(n.channelId, n.kind);
      } catch (err) {
        if (err instanceof PushRequestRefusedError) {
          deps.metrics?.webhook(provider, 'refused');
          res.status(400).type('text/plain').send(err.message);
          return;
        }
        logger.error({ err, provider }, 'push notification handling failed');
        if (!res.headersSent) res.status(500).end();
      }
    };
    const base = `/webhooks/${provider.toLowerCase()}`;
    app.post(base, express.json({ limit: '1mb' }), handler);
    app.post(`${base}/lifecycle`, express.json({ limit: '1mb' }), handler);
  }
}
