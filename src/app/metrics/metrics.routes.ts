import { createHash, timingSafeEqual } from 'node:crypto';
import type { Express } from 'express';
import { logger } from '../logging/logger';
import type { Metrics } from './metrics';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** GET /metrics in Prometheus text format; with `token`, only for `Authorization: Bearer <token>`. */
export function mountMetricsRoute(app: Express, metrics: Metrics, token?: string): void {
  const expected = token ? digest(token) : null;
  app.get('/metrics', async (req, res) => {
    if (expected) {
      const given = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
      // Compared as fixed-length digests: constant time whatever the length given
      if (!given || !timingSafeEqual(digest(given), expected)) {
        res.status(401).set('WWW-Authenticate', 'Bearer realm="metrics"').type('text/plain').send('A metrics token is required');
        return;
      }
    }
    try {
      const { contentType, body } = await metrics.render();
      res.status(200).set('Cache-Control', 'no-store').type(contentType).send(body);
    } catch (err) {
      logger.error({ err }, 'metrics rendering failed');
      res.status(500).end();
    }
  });
}
