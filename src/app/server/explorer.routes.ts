import { randomBytes } from 'node:crypto';
import express, { Express, Request, Response } from 'express';
import { getDistDirectory, isSandboxFrame, renderAltair, SANDBOX_FRAME_CSP } from 'altair-static';

/** Where the offline GraphQL explorer (Altair) is served; the landing page and the banner link here. */
export const EXPLORER_PATH = '/explorer';

// Headers a browser will send: a host name or address with an optional port. Anything else is refused,
// since the host ends up inside the page's script.
const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

const INITIAL_QUERY = `# Offline GraphQL explorer (Altair), served by calbridge itself.
# 1. Top right: "No environment" > Environments... > set "token" to a token from the
#    npm start banner (the part after "Bearer "), or from: npm run token -- <email>. Save.
#    The Authorization header and the subscription connection parameters use {{token}}.
# 2. Send Request; Docs (next to it) shows the schema.
{
  viewer {
    email
  }
}
`;

/**
 * The page runs Altair's scripts, so it gets its own policy (no global CSP): everything from this origin,
 * inline code only with the per-response nonce, requests only to this origin (HTTP and WebSocket).
 */
export function explorerCsp(nonce: string, host: string): string {
  return [
    `default-src 'self'`,
    `script-src 'self' 'nonce-${nonce}'`,
    // Altair (Angular, CodeMirror) sets inline style attributes, which a nonce cannot allow.
    `style-src 'self' 'unsafe-inline'`,
    `img-src 'self' data: blob:`,
    `font-src 'self' data:`,
    `connect-src 'self' ws://${host} wss://${host}`,
    `worker-src 'self' blob:`,
    `frame-src 'self'`,
    `object-src 'none'`,
    `base-uri 'self'`,
    `form-action 'self'`,
    `frame-ancestors 'self'`,
  ].join('; ');
}

function renderPage(req: Request, res: Response): void {
  const host = req.get('host') ?? '';
  if (!HOST.test(host)) {
    res.status(400).type('text').send('Bad Host header');
    return;
  }
  const secure = req.protocol === 'https';
  const nonce = randomBytes(16).toString('base64');
  res.setHeader('content-security-policy', explorerCsp(nonce, host));
  res.setHeader('cache-control', 'no-store');
  res.type('html').send(
    renderAltair({
      baseURL: `${EXPLORER_PATH}/`,
      endpointURL: `${secure ? 'https' : 'http'}://${host}/graphql`,
      subscriptionsEndpoint: `${secure ? 'wss' : 'ws'}://${host}/graphql`,
      initialSubscriptionRequestHandlerId: 'graphql-ws',
      initialQuery: INITIAL_QUERY,
      // A placeholder, never a real token: the user sets it once in the environment.
      initialEnvironments: { base: { title: 'calbridge', variables: { token: '' } } },
      initialHeaders: { Authorization: 'Bearer {{token}}' },
      initialSubscriptionsPayload: { authorization: 'Bearer {{token}}' },
      // Nothing that would call Altair's cloud: no account sync, update checks or banners.
      disableAccount: true,
      initialSettings: { 'alert.disableUpdateNotification': true, 'banners.disable': true, disablePushNotification: true, 'schema.reloadOnStart': true },
      cspNonce: nonce,
    }),
  );
}

/** GET /explorer: Altair with its assets from the altair-static package, so it works without internet. */
export function mountExplorerRoutes(app: Express): void {
  app.get(EXPLORER_PATH, (req, res) => {
    // Altair's assets are relative to the page: the path must end with a slash.
    if (!req.path.endsWith('/')) {
      const q = req.originalUrl.indexOf('?');
      res.redirect(302, `${EXPLORER_PATH}/${q >= 0 ? req.originalUrl.slice(q) : ''}`);
      return;
    }
    renderPage(req, res);
  });
  app.use(
    EXPLORER_PATH,
    express.static(getDistDirectory(), {
      index: false,
      fallthrough: true,
      // Altair runs user pre/post-request scripts in this frame: it must stay sandboxed.
      setHeaders: (res, path) => {
        if (isSandboxFrame(path)) res.setHeader('content-security-policy', SANDBOX_FRAME_CSP);
      },
    }),
  );
}
