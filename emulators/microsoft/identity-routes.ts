// Microsoft identity platform v2.0: OpenID configuration, instance discovery, JWKS,
// the authorize page (HTML, or straight through with login_hint), and the token endpoint.
import { createHash } from 'node:crypto';
import { authorizePage } from './authorize-page';
import { escapeHtml, formBody, json, type Reply, type RequestContext, type Router } from './http-kit';
import { newToken } from './ids';
import { pairwiseSub, type IdTokenSigner } from './id-token';
import type { Account, AccessGrant } from './microsoft-model';
import type { MicrosoftState } from './microsoft-state';

export interface IdentityDeps {
  state: MicrosoftState;
  signer: IdTokenSigner;
  origin: () => string;
  accessTokenLifetimeSeconds: number;
  /** When set, only these clients (and secrets) are accepted. */
  clients: { clientId: string; clientSecret: string }[] | null;
}

const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);
const TENANT = '([^/]+)';

/** The token endpoint's error body, shaped like AAD's. */
export function oauthError(status: number, error: string, code: number, description: string): Reply {
  const now = new Date().toISOString();
  return json(status, {
    error,
    error_description: `AADSTS${code}: ${description} Trace ID: 00000000-0000-0000-0000-000000000000 Timestamp: ${now}`,
    error_codes: [code],
    timestamp: now,
    trace_id: '00000000-0000-0000-0000-000000000000',
    correlation_id: '00000000-0000-0000-0000-000000000000',
  });
}

export const normalizeScopes = (scope: string | null): string[] =>
  (scope ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .map((s) => s.replace(/^https:\/\/graph\.microsoft\.com\//i, ''));

/** What the user grants: everything asked, or (like a tenant admin's narrower consent) the account's configured scopes. */
function grantedScopes(account: Account, requested: string[]): string[] {
  if (!account.consentScopes) return requested;
  return [...requested.filter((s) => OIDC_SCOPES.has(s.toLowerCase())), ...account.consentScopes];
}

export function registerIdentityRoutes(router: Router, deps: IdentityDeps): void {
  const { state } = deps;
  const authorityOf = (tenant: string) => `${deps.origin()}/${tenant}`;

  router.on('GET', new RegExp(`^/${TENANT}/v2\\.0/\\.well-known/openid-configuration$`), (ctx) => {
    const authority = authorityOf(ctx.params[0]);
    return json(200, {
      issuer: `${deps.origin()}/{tenantid}/v2.0`,
      authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
      token_endpoint: `${authority}/oauth2/v2.0/token`,
      end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
      jwks_uri: `${authority}/discovery/v2.0/keys`,
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      response_modes_supported: ['query', 'fragment', 'form_post'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      code_challenge_methods_supported: ['plain', 'S256'],
      tenant_region_scope: null,
      cloud_instance_name: 'microsoftonline.com',
    });
  });

  router.on('GET', new RegExp(`^/${TENANT}/discovery/instance$`), (ctx) => {
    const host = new URL(deps.origin()).host;
    return json(200, {
      tenant_discovery_endpoint: `${authorityOf(ctx.params[0])}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    });
  });

  router.on('GET', new RegExp(`^/${TENANT}/discovery/v2\\.0/keys$`), () => json(200, deps.signer.jwks()));

  router.on('GET', new RegExp(`^/${TENANT}/oauth2/v2\\.0/authorize$`), (ctx) => {
    const q = ctx.url.searchParams;
    const invalid = validateAuthorize(q);
    if (invalid) return invalid;
    const hinted = q.get('login_hint') ? state.findAccount(q.get('login_hint')!) : undefined;
    // With login_hint the user is "already signed in and consented": no click needed. With prompt the page
    // is shown, the hinted account first
    if (hinted && !['select_account', 'consent', 'login'].includes(q.get('prompt') ?? '')) return issueCode(hinted, q);
    const scopes = normalizeScopes(q.get('scope')).filter((s) => !OIDC_SCOPES.has(s.toLowerCase()));
    const body = authorizePage({ action: `${ctx.path}/decision`, request: q, scopes, state, accounts: [...state.accounts.values()], hinted });
    return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body };
  });

  router.on('POST', new RegExp(`^/${TENANT}/oauth2/v2\\.0/authorize/decision$`), (ctx) => {
    const form = formBody(ctx);
    const q = new URLSearchParams(form.get('request') ?? '');
    const invalid = validateAuthorize(q);
    if (invalid) return invalid;
    if (form.get('decision') !== 'accept') {
      return redirect(q.get('redirect_uri')!, {
        error: 'access_denied',
        error_description: 'AADSTS65004: User declined to consent to access the app.',
        state: q.get('state'),
      });
    }
    const account = state.findAccount(form.get('account') ?? '');
    if (!account) return { status: 400, body: 'unknown account' };
    return issueCode(account, q);
  });

  router.on('POST', new RegExp(`^/${TENANT}/oauth2/v2\\.0/token$`), (ctx) => token(ctx));

  function validateAuthorize(q: URLSearchParams): Reply | null {
    if (!q.get('client_id') || !q.get('redirect_uri')) return { status: 400, body: 'AADSTS900144: The request body must contain client_id and redirect_uri.' };
    if (deps.clients && !deps.clients.some((c) => c.clientId === q.get('client_id'))) {
      return { status: 400, body: `AADSTS700016: Application with identifier '${escapeHtml(q.get('client_id')!)}' was not found.` };
    }
    if (q.get('response_type') !== 'code') {
      return redirect(q.get('redirect_uri')!, { error: 'unsupported_response_type', error_description: 'AADSTS70005: response_type is not supported', state: q.get('state') });
    }
    const method = q.get('code_challenge_method');
    if (q.get('code_challenge') && method && method !== 'S256' && method !== 'plain') {
      return redirect(q.get('redirect_uri')!, { error: 'invalid_request', error_description: 'AADSTS501491: Invalid code_challenge_method.', state: q.get('state') });
    }
    return null;
  }

  function issueCode(account: Account, q: URLSearchParams): Reply {
    const code = newToken('1.AXo', 48);
    state.authCodes.set(code, {
      accountId: account.id,
      clientId: q.get('client_id')!,
      scopes: grantedScopes(account, normalizeScopes(q.get('scope'))),
      redirectUri: q.get('redirect_uri')!,
      codeChallenge: q.get('code_challenge'),
      codeChallengeMethod: q.get('code_challenge') ? (q.get('code_challenge_method') ?? 'plain') : null,
      nonce: q.get('nonce'),
      expiresAtMs: Date.now() + 10 * 60_000,
      used: false,
    });
    return redirect(q.get('redirect_uri')!, { code, state: q.get('state'), client_info: clientInfo(account), session_state: account.oid });
  }

  function token(ctx: RequestContext): Reply {
    const form = formBody(ctx);
    const clientId = form.get('client_id') ?? basicClientId(ctx);
    if (!clientId) return oauthError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
    const client = deps.clients?.find((c) => c.clientId === clientId);
    if (deps.clients && (!client || client.clientSecret !== (form.get('client_secret') ?? basicSecret(ctx)))) {
      return oauthError(401, 'invalid_client', 7000215, 'Invalid client secret provided.');
    }
    switch (form.get('grant_type')) {
      case 'authorization_code':
        return redeemCode(form, clientId);
      case 'refresh_token':
        return redeemRefreshToken(form, clientId);
      default:
        return oauthError(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
    }
  }

  function redeemCode(form: URLSearchParams, clientId: string): Reply {
    const code = state.authCodes.get(form.get('code') ?? '');
    if (!code || code.clientId !== clientId) return oauthError(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.');
    if (code.used) return oauthError(400, 'invalid_grant', 54005, 'OAuth2 Authorization code was already redeemed, please retry with a new valid code.');
    if (code.expiresAtMs < Date.now()) return oauthError(400, 'invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity.');
    if (code.redirectUri !== form.get('redirect_uri')) return oauthError(400, 'invalid_grant', 50148, 'The redirect URI does not match the one used in the authorization request.');
    if (code.codeChallenge) {
      const verifier = form.get('code_verifier') ?? '';
      const computed = code.codeChallengeMethod === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
      if (computed !== code.codeChallenge) return oauthError(400, 'invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.');
    }
    code.used = true;
    return issueTokens(state.accounts.get(code.accountId)!, code, code.nonce);
  }

  function redeemRefreshToken(form: URLSearchParams, clientId: string): Reply {
    const rt = state.refreshTokens.get(form.get('refresh_token') ?? '');
    if (!rt || rt.clientId !== clientId) return oauthError(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.');
    if (rt.revoked === 'revoked') return oauthError(400, 'invalid_grant', 50173, 'The provided grant has expired due to it being revoked, a fresh auth token is needed.');
    if (rt.revoked === 'rotated') return oauthError(400, 'invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity.');
    // Rotation: the refresh token just used stops working
    rt.revoked = 'rotated';
    return issueTokens(state.accounts.get(rt.accountId)!, rt, null);
  }

  function issueTokens(account: Account, grant: AccessGrant, nonce: string | null): Reply {
    const now = Math.floor(Date.now() / 1000);
    const accessToken = newToken('EwB', 64);
    state.accessTokens.set(accessToken, { ...grant, scopes: [...grant.scopes], expiresAtMs: Date.now() + deps.accessTokenLifetimeSeconds * 1000 });
    const lower = grant.scopes.map((s) => s.toLowerCase());
    const body: Record<string, unknown> = {
      token_type: 'Bearer',
      scope: grant.scopes.join(' '),
      expires_in: deps.accessTokenLifetimeSeconds,
      ext_expires_in: deps.accessTokenLifetimeSeconds,
      access_token: accessToken,
      client_info: clientInfo(account),
    };
    if (lower.includes('offline_access')) {
      const refreshToken = newToken('M.C5', 64);
      state.refreshTokens.set(refreshToken, { accountId: account.id, clientId: grant.clientId, scopes: [...grant.scopes], revoked: null });
      body.refresh_token = refreshToken;
    }
    if (lower.includes('openid')) {
      body.id_token = deps.signer.sign({
        aud: grant.clientId,
        iss: `${deps.origin()}/${account.tid}/v2.0`,
        iat: now,
        nbf: now,
        exp: now + 3600,
        name: account.displayName,
        oid: account.oid,
        preferred_username: account.userPrincipalName,
        sub: pairwiseSub(account.oid, grant.clientId),
        tid: account.tid,
        ver: '2.0',
        ...(nonce ? { nonce } : {}),
      });
    }
    return json(200, body, { 'cache-control': 'no-store', pragma: 'no-cache' });
  }
}

export const clientInfo = (account: Account): string => Buffer.from(JSON.stringify({ uid: account.oid, utid: account.tid })).toString('base64url');

function basicCredentials(ctx: RequestContext): [string, string] | null {
  const auth = ctx.headers.authorization;
  if (!auth?.startsWith('Basic ')) return null;
  const [id, secret] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
  return [decodeURIComponent(id), decodeURIComponent(secret ?? '')];
}
const basicClientId = (ctx: RequestContext) => basicCredentials(ctx)?.[0] ?? null;
const basicSecret = (ctx: RequestContext) => basicCredentials(ctx)?.[1] ?? null;

function redirect(to: string, params: Record<string, string | null>): Reply {
  const url = new URL(to);
  for (const [k, v] of Object.entries(params)) if (v !== null) url.searchParams.set(k, v);
  return { status: 302, headers: { location: url.toString() }, body: '' };
}
