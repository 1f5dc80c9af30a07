import { DocumentNode, GraphQLError, GraphQLSchema, NoSchemaIntrospectionCustomRule, parse, specifiedRules, validate, ValidationRule } from 'graphql';
import { queryLimitErrors, QueryLimits, queryLimitsRule } from './query-limits.rule';

// What a document must pass before it runs, the same over HTTP and WebSocket.

/** Tokens in one document: bounds the parser's work (and every rule's) whatever the shape. */
export const MAX_TOKENS = 15_000;
export const PARSE_OPTIONS = { maxTokens: MAX_TOKENS };

export interface ValidationSettings {
  limits: QueryLimits;
  /** Introspection is refused in production. */
  production: boolean;
}

/** The rules beyond graphql-js's specifiedRules (which Apollo adds itself). */
export function extraValidationRules(settings: ValidationSettings): ValidationRule[] {
  return [queryLimitsRule(settings.limits), ...(settings.production ? [NoSchemaIntrospectionCustomRule] : [])];
}

/**
 * The limits alone, linear in the document's size. They run first, so that a document over them never reaches
 * graphql-js's OverlappingFieldsCanBeMergedRule, which compares fields pairwise.
 */
export function validateLimits(schema: GraphQLSchema, document: DocumentNode, settings: ValidationSettings): GraphQLError[] {
  return queryLimitErrors(schema, document, settings.limits).map(asValidationError);
}

/** Everything a document must pass, limits first; each error carries code GRAPHQL_VALIDATION_FAILED. */
export function validateDocument(schema: GraphQLSchema, document: DocumentNode, settings: ValidationSettings): GraphQLError[] {
  const gate = validateLimits(schema, document, settings);
  if (gate.length) return gate;
  return validate(schema, document, [...specifiedRules, ...extraValidationRules(settings)]).map(asValidationError);
}

/** Parses with the token limit; a syntax error (or a document over the limit) carries code GRAPHQL_PARSE_FAILED. */
export function parseDocument(query: string): DocumentNode | GraphQLError {
  try {
    return parse(query, PARSE_OPTIONS);
  } catch (err) {
    // A document nested too deeply for the parser overflows its stack: still a parse failure, as Apollo answers it.
    const e = err instanceof GraphQLError ? err : new GraphQLError(err instanceof Error ? err.message : String(err));
    return new GraphQLError(e.message, { source: e.source, positions: e.positions, extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
  }
}

/** The same error with Apollo's code for validation failures. */
function asValidationError(e: GraphQLError): GraphQLError {
  return new GraphQLError(e.message, { nodes: e.nodes, source: e.source, positions: e.positions, extensions: { ...e.extensions, code: 'GRAPHQL_VALIDATION_FAILED' } });
}
