import type { IncomingHttpHeaders } from 'node:http';
import type { GoogleEmulatorState } from './emulator-state';
import type { StoredAccount } from './emulator.types';
import type { FaultInjector } from './fault-injector';
import type { Reply } from './http-reply';
import type { PushNotifier } from './push-notifier';
import type { RequestLog } from './request-log';

export interface RequestContext {
  method: string;
  url: URL;
  /** Captured path segments, URL-decoded. */
  params: string[];
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  /** The account the request acts for (bearer, refresh token, code or login_hint), when known. */
  account: StoredAccount | null;
}

export interface Route {
  method: string;
  pattern: RegExp;
  handler: (ctx: RequestContext) => Reply | Promise<Reply>;
}

export interface EmulatorConfig {
  /** When set, the token endpoint checks client_id and client_secret; otherwise any client is accepted. */
  clientId?: string;
  clientSecret?: string;
  accessTokenTtlSec: number;
  /** Hand out a new refresh token on every refresh and retire the old one (Google does not, by default). */
  rotateRefreshTokens: boolean;
}

export interface EmulatorDeps {
  state: GoogleEmulatorState;
  push: PushNotifier;
  faults: FaultInjector;
  requestLog: RequestLog;
  config: EmulatorConfig;
  baseUrl: () => string;
}
