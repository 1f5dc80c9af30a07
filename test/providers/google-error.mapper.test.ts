import { refreshRefusal, toProviderError } from '../../src/providers/google/google-error.mapper';
import { ProviderRequestRejectedError } from '../../src/providers/provider.errors';
import {
  AccessTokenExpiredError,
  CursorExpiredError,
  GrantRevokedError,
  ProviderNotFoundError,
  ProviderThrottledError,
  ProviderUnavailableError,
} from '../../src/providers/provider.errors';

const apiError = (code: number, reason: string, domain = 'global') => ({ error: { errors: [{ domain, reason, message: reason }], code, message: reason } });
const f = (status: number | null, data: unknown = {}, retryAfter: string | null = null) => ({ status, data, retryAfter, message: 'failed' });

describe('toProviderError', () => {
  it('maps throttling with Retry-After', () => {
    const e = toProviderError(f(429, apiError(429, 'rateLimitExceeded', 'usageLimits'), '2'));
    expect(e).toBeInstanceOf(ProviderThrottledError);
    expect((e as ProviderThrottledError).retryAfterMs).toBe(2000);
    expect(toProviderError(f(403, apiError(403, 'userRateLimitExceeded', 'usageLimits')))).toBeInstanceOf(ProviderThrottledError);
    expect(toProviderError(f(403, apiError(403, 'rateLimitExceeded')))).toBeInstanceOf(ProviderThrottledError);
    expect(toProviderError(f(403, apiError(403, 'quotaExceeded', 'usageLimits')))).toBeInstanceOf(ProviderThrottledError);
    expect(toProviderError(f(429, { error: { code: 429, message: 'Quota exceeded', status: 'RESOURCE_EXHAUSTED' } }))).toBeInstanceOf(ProviderThrottledError);
  });

  it('says whether Google named the wait', () => {
    expect(toProviderError(f(429, apiError(429, 'rateLimitExceeded', 'usageLimits'), '3'))).toMatchObject({ retryAfterMs: 3000, retryAfterGiven: true });
    expect(toProviderError(f(403, apiError(403, 'userRateLimitExceeded', 'usageLimits')))).toMatchObject({ retryAfterGiven: false });
  });

  it('does not take every usageLimits refusal for throttling: waiting never enables an API or fixes a key', () => {
    for (const reason of ['accessNotConfigured', 'keyInvalid', 'ipRefererBlocked']) {
      const e = toProviderError(f(403, apiError(403, reason, 'usageLimits')));
      expect(e).toBeInstanceOf(ProviderRequestRejectedError);
      expect(e).toMatchObject({ status: 403, reason });
    }
  });

  it('maps auth, grants, cursors and missing things', () => {
    expect(toProviderError(f(401, apiError(401, 'authError')))).toBeInstanceOf(AccessTokenExpiredError);
    expect(toProviderError(f(400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' }))).toBeInstanceOf(GrantRevokedError);
    expect(toProviderError(f(410, apiError(410, 'fullSyncRequired', 'calendar')))).toBeInstanceOf(CursorExpiredError);
    expect(toProviderError(f(410, {}), true)).toBeInstanceOf(CursorExpiredError);
    expect(toProviderError(f(410, apiError(410, 'deleted')))).toBeInstanceOf(ProviderNotFoundError);
    expect(toProviderError(f(404, apiError(404, 'notFound')))).toBeInstanceOf(ProviderNotFoundError);
  });

  it('maps outages to retryable errors and the rest to rejections', () => {
    expect(toProviderError(f(503))).toBeInstanceOf(ProviderUnavailableError);
    expect(toProviderError(f(null))).toBeInstanceOf(ProviderUnavailableError);
    const rejected = toProviderError(f(403, apiError(403, 'insufficientPermissions')));
    expect(rejected).toBeInstanceOf(ProviderRequestRejectedError);
    expect(rejected).toMatchObject({ status: 403, reason: 'insufficientPermissions' });
    expect(toProviderError(f(409, apiError(409, 'duplicate')))).toMatchObject({ status: 409, reason: 'duplicate' });
  });
});

describe('refreshRefusal', () => {
  it('makes every refusal of a refresh a revoked grant, and keeps outages and throttling retryable', () => {
    const refused = [
      toProviderError(f(401, { error: 'invalid_client', error_description: 'Unauthorized' })),
      toProviderError(f(400, { error: 'unauthorized_client', error_description: 'Unauthorized' })),
      toProviderError(f(400, { error: 'invalid_request', error_description: 'Bad Request' })),
      toProviderError(f(403, apiError(403, 'forbidden'))),
      toProviderError(f(400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' })),
    ];
    for (const e of refused) expect(refreshRefusal(e)).toBeInstanceOf(GrantRevokedError);
    expect(refreshRefusal(toProviderError(f(503)))).toBeInstanceOf(ProviderUnavailableError);
    expect(refreshRefusal(toProviderError(f(null)))).toBeInstanceOf(ProviderUnavailableError);
    expect(refreshRefusal(toProviderError(f(429, apiError(429, 'rateLimitExceeded', 'usageLimits'))))).toBeInstanceOf(ProviderThrottledError);
  });
});
