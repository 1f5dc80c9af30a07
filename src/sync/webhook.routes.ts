import express, { Express, NextFunction, Request, Response } from 'express';
import { logger } from '../app/logging/logger';
import type { Metrics } from '../app/metrics/metrics';
import { Provider } from '../connections/connection.enums';
import { PushNotice, PushRequest } from '../providers/calendar-provider';
import { ProviderRegistry } from '../providers/provider-registry';
import { graphNotificationCount } from '../providers/outlook/outlook-push.verifier';
import { PushRequestRefusedError } from '../providers/shared/push-request';
import { PushChannelService } from './push-channel.service';

const toPushRequest = (req: Request): PushRequest => ({
  headers: req.headers,
  query: Object.fromEntries(Object.entries(req.query).map(([k, v]) => [k, typeof v === 'string' ? v : undefined])),
  body: req.body,
});

export interface WebhookDeps {
  providers: ProviderRegistry;
  push: PushChannelService;
  onNotice: (channelId: string, kind: string) => Promise<void>;
  metrics?: Metrics;
}

/**
 * Each notice on its own: one that fails (its channel's lookup, the queue) neither stops the others of the batch
 * nor reaches the provider, which was answered already. The safety poll covers the calendar of a failed one.
 */
async function handleEach(notices: readonly PushNotice[], onNotice: WebhookDeps['onNotice'], provider: Provider): Promise<void> {
  for (const n of notices) {
    try {
      await onNotice(n.channelId, n.kind);
    } catch (err) {
      logger.error({ err, provider, channelId: n.channelId, kind: n.kind }, 'push notice handling failed');
    }
  }
}

/**
 * Provider push endpoints. Answers fast (Graph wants a reply within 3 s) and never calls a provider: handshakes are
 * echoed, malformed requests refused (400), notifications verified against their channel's secret and answered 202
 * (forged and unknown ones too, counted), then handed to `onNotice`, which only enqueues.
 */
export function mountWebhookRoutes(app: Express, deps: WebhookDeps): void {
  for (const provider of [Provider.OUTLOOK, Provider.GOOGLE]) {
    const driver = deps.providers.get(provider);
    const refuse = (res: Response, reason: string) => {
      deps.metrics?.webhook(provider, 'refused');
      res.status(400).type('text/plain').send(reason);
    };
    const handler = async (req: Request, res: Response) => {
      const pushReq = toPushRequest(req);
      const handshake = driver.validationResponse(pushReq);
      if (handshake !== null) {
        // The echo is the caller's own text: never let a browser sniff it into HTML.
        res.status(200).type('text/plain').set('X-Content-Type-Options', 'nosniff').send(handshake);
        return;
      }
      let notices: PushNotice[];
      try {
        notices = await driver.verifyPush(pushReq, (ids) => deps.push.secretHashes(ids));
      } catch (err) {
        if (err instanceof PushRequestRefusedError) return refuse(res, err.message);
        logger.error({ err, provider }, 'push notification verification failed');
        res.status(500).end();
        return;
      }
      res.status(202).end();
      // Google sends one notification per request, Graph a batch: what verification dropped was forged or unknown
      const received = provider === Provider.OUTLOOK ? graphNotificationCount(pushReq) : 1;
      deps.metrics?.webhook(provider, 'accepted', notices.length);
      deps.metrics?.webhook(provider, 'rejected', Math.max(0, received - notices.length));
      await handleEach(notices, deps.onNotice, provider);
    };
    // A body that is not JSON is malformed (400, as plain text); an oversized one stays 413.
    const bodyError = (err: { type?: string; status?: number }, _req: Request, res: Response, next: NextFunction) => {
      if (err?.type === 'entity.parse.failed') return refuse(res, 'the body is not JSON');
      next(err);
    };
    const base = `/webhooks/${provider.toLowerCase()}`;
    app.post(base, express.json({ limit: '1mb' }), handler, bodyError);
    app.post(`${base}/lifecycle`, express.json({ limit: '1mb' }), handler, bodyError);
  }
}
