import { Viewer } from '../auth/viewer';
import { unauthenticated } from '../errors/errors';
import { Services } from '../services';
import { Loaders } from './loaders';

export interface RequestContext {
  requestId: string;
  /** null: no token, or an invalid/expired one, or a deactivated user. */
  viewer: Viewer | null;
  /** Why the bearer token was refused, when it was signed by us (no expiry, issued in the future, expired). */
  tokenRefusal?: string | null;
  loaders: Loaders;
  services: Services;
  /** Loads `viewer` from the verified token (once) into this context; until then `viewer` is null. */
  resolveViewer(this: RequestContext): Promise<void>;
}

/** The authenticated viewer; every root field is guarded, so this only throws when called elsewhere. */
export function viewerOf(ctx: RequestContext): Viewer {
  if (!ctx.viewer) throw unauthenticated(ctx.tokenRefusal ?? undefined);
  return ctx.viewer;
}
