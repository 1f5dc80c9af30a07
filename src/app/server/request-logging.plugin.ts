import { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { DomainError } from '../errors/domain.error';
import { RequestContext } from '../context/request-context';
import { logger } from '../logging/logger';
import { ProviderError } from '../../providers/provider.errors';

/** One log line per request (operation, duration, request id); unexpected errors logged with their stack. */
export const requestLoggingPlugin: ApolloServerPlugin<RequestContext> = {
  async requestDidStart({ contextValue }) {
    const started = process.hrtime.bigint();
    return {
      async didEncounterErrors({ errors }) {
        for (const err of errors) {
          const original = err.originalError;
          // A provider failure reaches the caller as a fixed message; its details (hosts, paths, codes) are kept here.
          if (original instanceof ProviderError) {
            logger.warn({ requestId: contextValue.requestId, err: original, provider: original.provider, path: err.path }, 'provider failure');
          } else if (original && !(original instanceof DomainError) && !(original instanceof GraphQLError)) {
            logger.error({ requestId: contextValue.requestId, err: original, path: err.path }, 'unexpected error');
          }
        }
      },
      async willSendResponse({ operationName, response }) {
        const errors = response.body.kind === 'single' ? (response.body.singleResult.errors?.length ?? 0) : 0;
        logger.info(
          { requestId: contextValue.requestId, operationName: operationName ?? null, durationMs: Number(process.hrtime.bigint() - started) / 1e6, errors },
          'graphql request',
        );
      },
    };
  },
};
