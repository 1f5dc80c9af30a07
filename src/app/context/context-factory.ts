import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { checkToken, extractBearer } from '../auth/jwt';
import { loadViewer } from '../auth/viewer.loader';
import { Viewer } from '../auth/viewer';
import { Services } from '../services';
import { createLoaders, Loaders } from './loaders';
import { RequestContext } from './request-context';

export interface ContextFactoryDeps {
  ds: DataSource;
  services: Services;
  jwtSecret: string;
}

/**
 * A request context whose viewer is not loaded yet: the token is verified (no SQL), and `resolveViewer()`
 * loads the user once. HTTP calls it after the operation passed validation, so a query rejected by the
 * depth/cost limits costs no database work.
 */
export function prepareContext(deps: ContextFactoryDeps, authorization: unknown, requestId: string = randomUUID(), cacheLoaders = true): RequestContext {
  const token = extractBearer(authorization);
  const checked = token ? checkToken(deps.jwtSecret, token) : null;
  const claims = checked?.claims ?? null;
  let loaded: Promise<Viewer | null> | null = null;
  let loaders: Loaders | null = null;
  return {
    requestId,
    viewer: null,
    tokenRefusal: checked?.refusal ?? null,
    // Made on first use: a subscription's context lives as long as the subscription, and most never load anything.
    get loaders() {
      return (loaders ??= createLoaders(deps.ds, { cache: cacheLoaders }));
    },
    services: deps.services,
    // Sets `viewer` on the object it is called on: Apollo runs each operation on a shallow copy of the context.
    async resolveViewer(this: RequestContext) {
      this.viewer = await (loaded ??= claims ? loadViewer(deps.ds, claims) : Promise.resolve(null));
    },
  };
}

/** Builds a request context from an Authorization value ("Bearer <jwt>" or a bare jwt), viewer loaded. */
export async function buildContext(deps: ContextFactoryDeps, authorization: unknown, requestId: string = randomUUID(), cacheLoaders = true): Promise<RequestContext> {
  const ctx = prepareContext(deps, authorization, requestId, cacheLoaders);
  await ctx.resolveViewer();
  return ctx;
}
