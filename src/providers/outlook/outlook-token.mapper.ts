// msal results and msal's serialized token cache → the driver's TokenSet, and back.
import type { AuthenticationResult } from '@azure/msal-node';
import type { TokenSet } from '../calendar-provider';

interface SerializedCache {
  Account?: Record<string, { home_account_id: string; realm: string; local_account_id: string; username: string }>;
  RefreshToken?: Record<string, { home_account_id: string; secret: string }>;
}

function parse(cache: string | null | undefined): SerializedCache {
  if (!cache) return {};
  try {
    return JSON.parse(cache) as SerializedCache;
  } catch {
    return {};
  }
}

/** The current (possibly rotated) refresh token msal holds for the account. */
export function refreshTokenInCache(cache: string, homeAccountId?: string | null): string | null {
  const tokens = Object.values(parse(cache).RefreshToken ?? {});
  return (tokens.find((t) => !homeAccountId || t.home_account_id === homeAccountId) ?? tokens[0])?.secret ?? null;
}

/** Tenant id and object id of the signed-in account, from msal's cache (id_token/client_info). */
export function accountIdsInCache(cache: string | null | undefined): { tenantId: string; objectId: string; username: string } | null {
  const account = Object.values(parse(cache).Account ?? {})[0];
  if (!account) return null;
  const [uid, utid] = account.home_account_id.split('.');
  return { tenantId: account.realm || utid, objectId: account.local_account_id || uid, username: account.username };
}

export function toTokenSet(result: AuthenticationResult, cache: string, previousRefreshToken: string | null = null): TokenSet {
  return {
    accessToken: result.accessToken,
    refreshToken: refreshTokenInCache(cache, result.account?.homeAccountId) ?? previousRefreshToken,
    expiresAt: result.expiresOn ?? new Date(Date.now() + 3_600_000),
    grantedScopes: result.scopes,
    driverState: cache,
  };
}
