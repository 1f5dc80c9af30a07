import { DomainError } from './domain.error';

// Constructors for the common codes, so messages stay consistent.
export const unauthenticated = (msg = 'Sign in: a valid bearer token is required') => new DomainError('UNAUTHENTICATED', msg);
export const forbidden = (msg = 'You are not allowed to do this') => new DomainError('FORBIDDEN', msg);
export const notFound = (what: string, id?: string) => new DomainError('NOT_FOUND', id ? `${what} ${id} was not found` : `${what} was not found`);
/** BAD_USER_INPUT naming the offending field (also in extensions.field). */
export const badInput = (field: string, msg: string) => new DomainError('BAD_USER_INPUT', `${field}: ${msg}`, { field });
/** RATE_LIMITED with the seconds to wait (also in extensions.retryAfterSeconds, for clients without headers). */
export const rateLimited = (retryAfterSeconds: number) =>
  new DomainError('RATE_LIMITED', `Too many requests: try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
