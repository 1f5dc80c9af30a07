import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { logger } from '../logging/logger';
import { ProviderError } from '../../providers/provider.errors';
import { publicError } from './public-error';

// Apollo's own codes pass through untouched (parse/validation/bad variables).
const PASS_THROUGH = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED', 'OPERATION_RESOLUTION_FAILURE', 'BAD_REQUEST']);

/**
 * The one place where errors become GraphQL errors: domain codes mapped, provider failures given their
 * fixed public message (the request logging plugin logs their details), everything else masked and logged.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown, requestId?: string): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const known = publicError(original);
  if (known) {
    return { message: known.message, locations: formatted.locations, path: formatted.path, extensions: { ...known.extensions, code: known.code } };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && PASS_THROUGH.has(code) && !(original instanceof Error && !(original instanceof GraphQLError))) {
    const field = code === 'BAD_USER_INPUT' ? coercionField(formatted.message) : null;
    return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: field ? { code, field } : { code } };
  }
  logger.error({ err: original, requestId, path: formatted.path }, 'unexpected error');
  return { message: 'Internal server error', locations: formatted.locations, path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR', requestId } };
}

/**
 * The field a variable that could not be coerced names (as our own BAD_USER_INPUT errors name theirs), from
 * graphql-js's message: `Variable "$input" got invalid value "x" at "input.startTime"; …` → startTime (the
 * input object's top-level field); without a path, the variable itself (`$from` → from).
 */
export function coercionField(message: string): string | null {
  const variable = /^Variable "\$(\w+)"/.exec(message)?.[1];
  if (!variable) return null;
  const at = message.indexOf(` at "${variable}`);
  const path = at < 0 ? '' : message.slice(at + ` at "${variable}`.length).split('"')[0];
  return /^(?:\[\d+\])*\.(\w+)/.exec(path)?.[1] ?? variable;
}

/** Same mapping for graphql-ws errors, which do not go through Apollo. */
export function toGraphQLError(err: unknown): GraphQLError {
  const known = publicError(err);
  if (err instanceof ProviderError) logger.warn({ err, provider: err.provider }, 'provider failure in a subscription');
  if (known) return new GraphQLError(known.message, { extensions: { ...known.extensions, code: known.code } });
  if (err instanceof GraphQLError) return err;
  logger.error({ err }, 'unexpected subscription error');
  return new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
}
