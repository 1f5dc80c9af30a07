import { defaultFieldResolver, GraphQLSchema } from 'graphql';
import { RequestContext } from '../context/request-context';
import { unauthenticated } from '../errors/errors';

/**
 * Every root field needs an authenticated, active viewer: UNAUTHENTICATED comes before any other check.
 * Set on the root fields' resolvers after the schema is built, on HTTP and WebSocket alike. Not a type-graphql
 * global middleware: that wraps every field of every object in an async dispatch, which made a list of a few
 * hundred slots cost a promise per field.
 */
export function guardRootFields(schema: GraphQLSchema): GraphQLSchema {
  for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    for (const field of Object.values(root?.getFields() ?? {})) {
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context: RequestContext, info) => {
        if (!context.viewer) throw unauthenticated(context.tokenRefusal ?? undefined);
        return resolve(source, args, context, info);
      };
    }
  }
  return schema;
}
