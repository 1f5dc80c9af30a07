import { ExecutionArgs, GraphQLError, GraphQLSchema } from 'graphql';
import { Context, SubscribePayload } from 'graphql-ws';
import { Extra } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { DomainError } from '../errors/domain.error';
import { logger } from '../logging/logger';
import { rateLimited } from '../errors/errors';
import { parseDocument, validateDocument, ValidationSettings } from '../graphql/validation-rules';
import { OperationCache } from '../../realtime/operation-cache';
import { rateLimitKey } from '../rate-limit/rate-limit-key';
import { RateLimiter } from '../rate-limit/request-rate-limiter';

/** Frames larger than this close the socket (1009), as HTTP bodies over 1 MB are refused. */
export const WS_MAX_PAYLOAD_BYTES = 1024 * 1024;

export interface WsOperationDeps {
  schema: GraphQLSchema;
  validation: ValidationSettings;
  /** Operations (subscriptions, and queries or mutations in flight) open at once on one socket. */
  maxOperationsPerSocket: number;
  limiter: RateLimiter;
  jwtSecret: string;
}

type WsContext = Context<Record<string, unknown>, Extra>;

/** A DomainError as graphql-ws carries it; `wsErrorPayload` formats it back through the one error formatter. */
const asGraphQLError = (err: DomainError) => new GraphQLError(err.message, { originalError: err });

/**
 * graphql-ws's onSubscribe: each operation passes what an HTTP request passes (the rate limit, the token limit on
 * parsing, the same validation rules) before any context is built, so a refused operation costs no SQL.
 */
export function wsOnSubscribe(deps: WsOperationDeps) {
  // One parsed, validated document per operation text, shared by every operation that sends it.
  const operations = new OperationCache((query) => {
    const document = parseDocument(query);
    if (document instanceof GraphQLError) return { errors: [document] };
    const errors = validateDocument(deps.schema, document, deps.validation);
    return errors.length ? { errors } : { document };
  });
  return async (ctx: WsContext, _id: string, payload: SubscribePayload): Promise<ExecutionArgs | GraphQLError[]> => {
    // graphql-ws has already registered this operation.
    if (Object.keys(ctx.subscriptions).length > deps.maxOperationsPerSocket) {
      return [asGraphQLError(new DomainError('RATE_LIMITED', `At most ${deps.maxOperationsPerSocket} operations may be open at once on one connection: complete one first`))];
    }
    const params = ctx.connectionParams ?? {};
    const key = rateLimitKey(params.authorization ?? params.Authorization, ctx.extra.request.socket.remoteAddress, deps.jwtSecret);
    const verdict = await deps.limiter.consume(key);
    if (!verdict.allowed) return [asGraphQLError(rateLimited(verdict.retryAfterSeconds))];
    const { document, errors } = operations.get(payload.query);
    if (!document) return [...errors];
    return { schema: deps.schema, document, operationName: payload.operationName, variableValues: payload.variables };
  };
}

/** The error a DomainError (or anything else) stands for: validation and parse errors are themselves. */
export const wsErrorSource = (e: GraphQLError): unknown => e.originalError ?? e;

/**
 * graphql-ws reports a socket's error (a client's frame over the limit included) with console.error as an internal
 * error; it is the client's, so it is logged as a warning instead. ws closes such a socket itself (1009 for the frame).
 * Registered after useServer, so that it replaces graphql-ws's listener.
 */
export function logClientSocketErrors(wss: WebSocketServer): void {
  wss.on('connection', (socket) => {
    socket.removeAllListeners('error');
    socket.on('error', (err) => logger.warn({ err }, 'WebSocket closed on a client error'));
  });
}
