import { authorizePage } from './authorize-page';
import { EmulatorError } from './emulator.error';
import type { StoredAccount } from './emulator.types';
import { html, json, redirect, type Reply } from './http-reply';
import { makeIdToken } from './id-token';
import { invalidGrant, OAuthError } from './oauth.error';
import type { EmulatorDeps, RequestContext, Route } from './route.types';

// accounts.google.com's authorize page and oauth2.googleapis.com's token and userinfo endpoints.

export const CALENDAR_SCOPE = 'https://www.googleapis.com/auth/calendar';
export const CALENDAR_READONLY_SCOPE = 'https://www.googleapis.com/auth/calendar.readonly';
const SCOPE_ALIASES: Record<string, string> = {
  email: 'https://www.googleapis.com/auth/userinfo.email',
  profile: 'https://www.googleapis.com/auth/userinfo.profile',
};

/** What the user grants for what the app asked: Google answers with full scope URLs. */
export function grantedScopes(requested: string, account: StoredAccount, allowWrite: boolean): string[] {
  const readOnly = account.calendarGrant === 'readonly' || !allowWrite;
  const scopes = requested
    .split(/[\s+]+/)
    .filter(Boolean)
    .map((s) => SCOPE_ALIASES[s] ?? s)
    .map((s) => (readOnly && (s === CALENDAR_SCOPE || s === `${CALENDAR_SCOPE}.events`) ? CALENDAR_READONLY_SCOPE : s));
  return [...new Set(scopes)];
}

export function oauthRoutes(deps: EmulatorDeps): Route[] {
  const { state, config } = deps;

  const withQuery = (uri: string, q: Record<string, string>) => {
    const u = new URL(uri);
    for (const [k, v] of Object.entries(q)) u.searchParams.set(k, v);
    return u.toString();
  };

  const approve = (params: URLSearchParams, account: StoredAccount, allowWrite: boolean): Reply => {
    const scopes = grantedScopes(params.get('scope') ?? '', account, allowWrite);
    const issued = state.tokens.issueCode({
      sub: account.sub,
      clientId: params.get('client_id')!,
      redirectUri: params.get('redirect_uri')!,
      scopes,
      codeChallenge: params.get('code_challenge'),
      codeChallengeMethod: params.get('code_challenge_method') ?? (params.get('code_challenge') ? 'plain' : null),
      offline: params.get('access_type') === 'offline',
    });
    const q: Record<string, string> = { code: issued.code, scope: scopes.join(' '), authuser: '0', prompt: 'consent' };
    if (params.has('state')) q.state = params.get('state')!;
    return redirect(withQuery(params.get('redirect_uri')!, q));
  };

  const checkRequest = (params: URLSearchParams): Reply | null => {
    if (!params.get('client_id')) return { status: 400, body: 'Error 400: invalid_request. Missing required parameter: client_id' };
    if (config.clientId && params.get('client_id') !== config.clientId) return { status: 401, body: 'Error 401: invalid_client. The OAuth client was not found.' };
    const uri = params.get('redirect_uri');
    if (!uri || !URL.canParse(uri)) return { status: 400, body: 'Error 400: invalid_request. Missing required parameter: redirect_uri' };
    if (params.get('response_type') !== 'code') return redirect(withQuery(uri, { error: 'unsupported_response_type', ...(params.has('state') ? { state: params.get('state')! } : {}) }));
    if (params.get('code_challenge_method') && params.get('code_challenge_method') !== 'S256' && params.get('code_challenge_method') !== 'plain') {
      return { status: 400, body: 'Error 400: invalid_request. Invalid code_challenge_method' };
    }
    return null;
  };

  const authorize = (ctx: RequestContext): Reply => {
    const params = ctx.url.searchParams;
    const bad = checkRequest(params);
    if (bad) return bad;
    const hinted = params.get('login_hint') ? state.findAccount(params.get('login_hint')!) : undefined;
    // automated tests: a known login_hint approves at once; prompt=select_account shows the page, that account first
    const choose = (params.get('prompt') ?? '').split(/\s+/).includes('select_account');
    if (hinted && !choose) return approve(params, hinted, true);
    return html(authorizePage(params, [...state.accounts.values()], hinted));
  };

  const decide = (ctx: RequestContext): Reply => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(ctx.body)) if (!['decision', 'account', 'calendar_write'].includes(k)) params.set(k, String(v));
    const bad = checkRequest(params);
    if (bad) return bad;
    if (ctx.body.decision !== 'accept') {
      return redirect(withQuery(params.get('redirect_uri')!, { error: 'access_denied', ...(params.has('state') ? { state: params.get('state')! } : {}) }));
    }
    const account = state.findAccount(String(ctx.body.account ?? ''));
    if (!account) return { status: 400, body: 'Choose an account' };
    return approve(params, account, ctx.body.calendar_write === '1');
  };

  const tokenResponse = (sub: string, clientId: string, scopes: string[], refreshToken: string | null) => {
    const account = state.account(sub);
    const access = state.tokens.issueAccess(sub, clientId, scopes, config.accessTokenTtlSec);
    const out: Record<string, unknown> = {
      access_token: access.token,
      expires_in: config.accessTokenTtlSec,
      scope: scopes.join(' '),
      token_type: 'Bearer',
    };
    if (refreshToken) out.refresh_token = refreshToken;
    if (scopes.includes('openid')) out.id_token = makeIdToken({ aud: clientId, sub, email: account.email, name: account.name }, config.accessTokenTtlSec);
    return json(200, out, { 'cache-control': 'no-cache, no-store, max-age=0, must-revalidate', pragma: 'no-cache' });
  };

  const token = (ctx: RequestContext): Reply => {
    const b = ctx.body as Record<string, string | undefined>;
    const auth = ctx.headers.authorization;
    let clientId = b.client_id;
    let clientSecret = b.client_secret;
    if (auth?.startsWith('Basic ')) [clientId, clientSecret] = Buffer.from(auth.slice(6), 'base64').toString().split(':');
    if (!clientId) throw new OAuthError('invalid_request', 'Could not determine client ID from request.');
    if (config.clientId && (clientId !== config.clientId || clientSecret !== config.clientSecret)) throw new OAuthError('invalid_client', 'Unauthorized', 401);

    if (b.grant_type === 'authorization_code') {
      if (!b.code) throw new OAuthError('invalid_request', 'Missing required parameter: code');
      const code = state.tokens.redeemCode({ code: b.code, codeVerifier: b.code_verifier, clientId, redirectUri: b.redirect_uri });
      const refresh = code.offline ? state.tokens.issueRefresh(code.sub, clientId, code.scopes).token : null;
      return tokenResponse(code.sub, clientId, code.scopes, refresh);
    }
    if (b.grant_type === 'refresh_token') {
      if (!b.refresh_token) throw new OAuthError('invalid_request', 'Missing required parameter: refresh_token');
      const grant = state.tokens.useRefresh(b.refresh_token, clientId);
      let next: string | null = null;
      if (config.rotateRefreshTokens) {
        state.tokens.revokeRefresh(grant.token);
        next = state.tokens.issueRefresh(grant.sub, clientId, grant.scopes).token;
      }
      return tokenResponse(grant.sub, clientId, grant.scopes, next);
    }
    throw new OAuthError('unsupported_grant_type', `Invalid grant_type: ${b.grant_type ?? ''}`);
  };

  const userinfo = (ctx: RequestContext): Reply => {
    const bearer = ctx.headers.authorization?.replace(/^Bearer /i, '') ?? '';
    const grant = state.tokens.checkAccess(bearer);
    if (!grant) throw new EmulatorError(401, 'authError', 'Request is missing required authentication credential.');
    const a = state.account(grant.sub);
    return json(200, { sub: a.sub, name: a.name, email: a.email, email_verified: true });
  };

  const revoke = (ctx: RequestContext): Reply => {
    const t = String(ctx.body.token ?? ctx.url.searchParams.get('token') ?? '');
    const sub = state.tokens.subOf(t);
    if (!sub) throw invalidGrant('Token expired or revoked');
    state.tokens.revokeAll(sub);
    return json(200, {});
  };

  return [
    { method: 'GET', pattern: /^\/o\/oauth2\/v2\/auth$/, handler: authorize },
    { method: 'POST', pattern: /^\/o\/oauth2\/v2\/auth$/, handler: decide },
    { method: 'POST', pattern: /^\/token$/, handler: token },
    { method: 'GET', pattern: /^\/(?:oauth2\/v3|v1|oauth2\/v2)\/userinfo$/, handler: userinfo },
    { method: 'POST', pattern: /^\/revoke$/, handler: revoke },
  ];
}
