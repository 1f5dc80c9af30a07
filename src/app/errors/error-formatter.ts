import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { logger } from '../logging/logger';
import { DomainError } from './domain.error';

// Apollo's own codes pass through untouched (parse/validation/bad variables).
const PASS_THROUGH = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED', 'OPERATION_RESOLUTION_FAILURE', 'BAD_REQUEST']);

/** The one place where errors become GraphQL errors: domain codes mapped, everything else masked and logged. */
export function formatError(formatted: GraphQLFormattedError, error: unknown, requestId?: string): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof DomainError) {
    return { message: original.message, locations: formatted.locations, path: formatted.path, extensions: { ...original.extensions, code: original.code } };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && PASS_THROUGH.has(code) && !(original instanceof Error && !(original instanceof GraphQLError))) {
    return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code } };
  }
  logger.error({ err: original, requestId, path: formatted.path }, 'unexpected error');
  return { message: 'Internal server error', locations: formatted.locations, path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR', requestId } };
}

/** Same mapping for graphql-ws errors, which do not go through Apollo. */
export function toGraphQLError(err: unknown): GraphQLError {
  if (err instanceof DomainError) return new GraphQLError(err.message, { extensions: { ...err.extensions, code: err.code } });
  if (err instanceof GraphQLError) return err;
  logger.error({ err }, 'unexpected subscription error');
  return new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
}
