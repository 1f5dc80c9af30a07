import { randomUUID } from 'node:crypto';
import express, { Express, Request, Response, Router } from 'express';
import { publicError } from '../app/errors/public-error';
import { logger } from '../app/logging/logger';
import { ProviderError } from '../providers/provider.errors';
import { Provider } from './connection.enums';
import { ConnectionService } from './connection.service';
import { OAuthCallbackService } from './oauth-callback.service';
import { confirmationPage, connectedPage, declinedPage, failedPage, providerRefusedPage } from './oauth-pages';

// Every response of the OAuth flow: no scripts or foreign resources, forms only to us, never cached,
// never framed, and no Referer (the callback URL carries a code).
export const OAUTH_PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'X-Frame-Options': 'DENY',
};

export interface OAuthCallbackDeps {
  connections: ConnectionService;
  callbacks: OAuthCallbackService;
  /** OAUTH_RETURN_URL: the CRM's page that finishes with completeConnection; unset → this service's pages. */
  returnUrl: string | undefined;
  publicUrl: () => string;
}

/** Only single string values count: a repeated parameter arrives as an array and is treated as absent. */
const single = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : undefined])) as Record<string, string | undefined>;

/**
 * A form POST from our own page. Browsers send Sec-Fetch-Site; Origin is "null" under Referrer-Policy
 * no-referrer, so a named foreign Origin is refused and "null" left to Sec-Fetch-Site and the token.
 */
function isSameOrigin(req: Request, publicUrl: string): boolean {
  const site = req.get('sec-fetch-site');
  if (site && site !== 'same-origin') return false;
  const origin = req.get('origin');
  if (!origin || origin === 'null') return true;
  return origin === new URL(publicUrl).origin || origin === `${req.protocol}://${req.get('host')}`;
}

/**
 * GET /oauth/{outlook|google}/callback and POST /oauth/{outlook|google}/confirm. With OAUTH_RETURN_URL the
 * callback only forwards to the CRM's page; without it, it completes (same email) or asks for confirmation.
 */
export function mountOAuthCallbackRoutes(app: Express, deps: OAuthCallbackDeps): void {
  const router = Router();
  router.use((req, res, next) => {
    res.set(OAUTH_PAGE_HEADERS);
    const header = req.get('x-request-id');
    res.locals.requestId = header ? header.slice(0, 100) : randomUUID();
    res.set('x-request-id', res.locals.requestId);
    next();
  });

  for (const provider of [Provider.OUTLOOK, Provider.GOOGLE]) {
    const base = `/${provider.toLowerCase()}`;

    router.get(`${base}/callback`, async (req: Request, res: Response) => {
      const q = single(req.query as Record<string, unknown>);
      // The provider's error redirect: the attempt's state is spent; nothing is stored.
      if (q.error && q.state) await deps.connections.abandon(q.state).catch(() => undefined);
      if (deps.returnUrl) {
        const target = new URL(deps.returnUrl);
        for (const key of ['code', 'state', 'error', 'error_description'] as const) if (q[key] !== undefined) target.searchParams.set(key, q[key]);
        res.redirect(302, target.toString());
        return;
      }
      res.type('html');
      if (q.error) {
        res.status(400).send(providerRefusedPage(provider, q.error, q.error_description));
        return;
      }
      try {
        const outcome = await deps.callbacks.receive(provider, q.state ?? '', q.code ?? '');
        if (outcome.kind === 'connected') res.send(connectedPage(provider, outcome.connection.accountEmail, outcome.calendars));
        else res.send(confirmationPage({ provider, ...outcome }));
      } catch (err) {
        sendFailure(res, provider, err);
      }
    });

    router.post(`${base}/confirm`, express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 }), async (req: Request, res: Response) => {
      res.type('html');
      const form = single(req.body as Record<string, unknown>);
      if (!isSameOrigin(req, deps.publicUrl())) {
        res.status(403).send(failedPage(provider, 'This answer did not come from the confirmation page. Nothing was changed.'));
        return;
      }
      if (form.decision !== 'confirm' && form.decision !== 'decline') {
        res.status(400).send(failedPage(provider, 'Choose Connect or Decline on the confirmation page.'));
        return;
      }
      try {
        if (form.decision === 'decline') {
          await deps.callbacks.decline(provider, form.token ?? '');
          res.send(declinedPage(provider));
          return;
        }
        const done = await deps.callbacks.confirm(provider, form.token ?? '');
        res.send(connectedPage(provider, done.connection.accountEmail, done.calendars));
      } catch (err) {
        sendFailure(res, provider, err);
      }
    });
  }
  app.use('/oauth', router);
}

/** The same public mapping as GraphQL's; provider details and anything unexpected go to the log with the request id. */
function sendFailure(res: Response, provider: Provider, err: unknown): void {
  const requestId = res.locals.requestId as string;
  const shown = publicError(err);
  if (err instanceof ProviderError) logger.warn({ requestId, err, provider: err.provider ?? provider }, 'provider failure in the OAuth callback');
  if (!shown) {
    logger.error({ requestId, err, provider }, 'oauth callback failed');
    res.status(500).send(failedPage(provider, 'Something went wrong while connecting. Please try again.', requestId));
    return;
  }
  res.status(shown.code === 'PROVIDER_UNAVAILABLE' ? 502 : 400).send(failedPage(provider, shown.message, shown.code === 'PROVIDER_UNAVAILABLE' ? requestId : undefined));
}
