import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { checkToken, extractBearer, TokenClaims } from '../auth/jwt';
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

/** What the copies of one context share: Apollo runs each operation on a shallow copy of the context. */
interface SharedState {
  deps: ContextFactoryDeps;
  claims: TokenClaims | null;
  cacheLoaders: boolean;
  loaders: Loaders | null;
  viewer: Promise<Viewer | null> | null;
}

// A class, not an object literal with a getter (which V8 keeps in slow dictionary mode): a subscription's context
// lives as long as the subscription, thousands at once.
class PreparedContext implements RequestContext {
  viewer: Viewer | null = null;

  constructor(
    readonly requestId: string,
    readonly tokenRefusal: string | null,
    readonly services: Services,
    private readonly shared: SharedState,
  ) {}

  // Made on first use: most subscriptions never load anything.
  get loaders(): Loaders {
    const s = this.shared;
    return (s.loaders ??= createLoaders(s.deps.ds, { cache: s.cacheLoaders }));
  }

  // Sets `viewer` on the object it is called on (the operation's copy); the user is loaded once for all copies.
  async resolveViewer(): Promise<void> {
    const s = this.shared;
    this.viewer = await (s.viewer ??= s.claims ? loadViewer(s.deps.ds, s.claims) : Promise.resolve(null));
  }
}

/**
 * A request context whose viewer is not loaded yet: the token is verified (no SQL), and `resolveViewer()`
 * loads the user once. HTTP calls it after the operation passed validation, so a query rejected by the
 * depth/cost limits costs no database work.
 */
export function prepareContext(deps: ContextFactoryDeps, authorization: unknown, requestId: string = randomUUID(), cacheLoaders = true): RequestContext {
  const token = extractBearer(authorization);
  const checked = token ? checkToken(deps.jwtSecret, token) : null;
  return new PreparedContext(requestId, checked?.refusal ?? null, deps.services, { deps, claims: checked?.claims ?? null, cacheLoaders, loaders: null, viewer: null });
}

/** Builds a request context from an Authorization value ("Bearer <jwt>" or a bare jwt), viewer loaded. */
export async function buildContext(deps: ContextFactoryDeps, authorization: unknown, requestId: string = randomUUID(), cacheLoaders = true): Promise<RequestContext> {
  const ctx = prepareContext(deps, authorization, requestId, cacheLoaders);
  await ctx.resolveViewer();
  return ctx;
}
