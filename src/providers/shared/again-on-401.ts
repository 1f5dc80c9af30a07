import type { ReadChangesOptions, TokenSet } from '../calendar-provider';
import { AccessTokenExpiredError } from '../provider.errors';

/**
 * 401 in the middle of a read: fresh tokens from the caller (when it can give them), the same request again,
 * once, so a long read continues instead of starting over.
 */
export async function againOn401<T>(opts: Pick<ReadChangesOptions, 'onAccessTokenExpired'>, request: () => Promise<T>, useTokens: (fresh: TokenSet) => void): Promise<T> {
  try {
    return await request();
  } catch (err) {
    if (!(err instanceof AccessTokenExpiredError) || !opts.onAccessTokenExpired) throw err;
    useTokens(await opts.onAccessTokenExpired());
    return request();
  }
}
