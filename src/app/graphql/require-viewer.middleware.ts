import { MiddlewareFn } from 'type-graphql';
import { RequestContext } from '../context/request-context';
import { unauthenticated } from '../errors/errors';

const ROOTS = new Set(['Query', 'Mutation', 'Subscription']);

/** Every root field needs an authenticated, active viewer: UNAUTHENTICATED comes before any other check. */
export const requireViewer: MiddlewareFn<RequestContext> = ({ context, info }, next) => {
  if (ROOTS.has(info.parentType.name) && !context.viewer) throw unauthenticated(context.tokenRefusal ?? undefined);
  return next();
};
