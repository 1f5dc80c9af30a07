import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { extractBearer, verifyToken } from '../auth/jwt';
import { loadViewer } from '../auth/viewer.loader';
import { Services } from '../services';
import { createLoaders } from './loaders';
import { RequestContext } from './request-context';

export interface ContextFactoryDeps {
  ds: DataSource;
  services: Services;
  jwtSecret: string;
}

/** Builds a request context from an Authorization value ("Bearer <jwt>" or a bare jwt). */
export async function buildContext(deps: ContextFactoryDeps, authorization: unknown, requestId: string = randomUUID(), cacheLoaders = true): Promise<RequestContext> {
  const token = extractBearer(authorization);
  const claims = token ? verifyToken(deps.jwtSecret, token) : null;
  const viewer = claims ? await loadViewer(deps.ds, claims) : null;
  return { requestId, viewer, loaders: createLoaders(deps.ds, { cache: cacheLoaders }), services: deps.services };
}
