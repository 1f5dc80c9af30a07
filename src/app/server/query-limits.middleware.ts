import { RequestHandler } from 'express';
import { GraphQLError, GraphQLSchema } from 'graphql';
import { formatError } from '../errors/error-formatter';
import { parseDocument, validateLimits, ValidationSettings } from '../graphql/validation-rules';
import { logger } from '../logging/logger';

/**
 * The query limits, before Apollo: Apollo runs graphql-js's rules together with ours, and one of them
 * (OverlappingFieldsCanBeMerged) is quadratic, so a document over the limits must not reach it. Anything else
 * (no query, a syntax error) is left to Apollo, which answers it as usual.
 */
export function queryLimitsMiddleware(schema: GraphQLSchema, settings: ValidationSettings): RequestHandler {
  return (req, res, next) => {
    const query: unknown = req.method === 'GET' ? req.query.query : req.body?.query;
    if (typeof query !== 'string') return next();
    const document = parseDocument(query);
    if (document instanceof GraphQLError) return next();
    const errors = validateLimits(schema, document, settings);
    if (!errors.length) return next();
    logger.info({ errors: errors.map((e) => e.message) }, 'graphql request refused by the query limits');
    res.status(400).json({ errors: errors.map((e) => formatError(e.toJSON(), e)) });
  };
}
