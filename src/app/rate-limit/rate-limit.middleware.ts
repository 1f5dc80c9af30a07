import { RequestHandler } from 'express';
import { formatError } from '../errors/error-formatter';
import { rateLimited } from '../errors/errors';
import { rateLimitKey } from './rate-limit-key';
import { RateLimiter } from './request-rate-limiter';

/** Over the limit: 429 with Retry-After and a GraphQL error RATE_LIMITED, before the body is even read. */
export function rateLimitMiddleware(limiter: RateLimiter, jwtSecret: string): RequestHandler {
  return async (req, res, next) => {
    const verdict = await limiter.consume(rateLimitKey(req.headers.authorization, req.ip, jwtSecret));
    if (verdict.allowed) return next();
    const error = rateLimited(verdict.retryAfterSeconds);
    res
      .status(429)
      .set('Retry-After', String(verdict.retryAfterSeconds))
      .json({ errors: [formatError({ message: error.message }, error)] });
  };
}
