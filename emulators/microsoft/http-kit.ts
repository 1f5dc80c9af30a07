// A minimal router and reply model: handlers return a Reply instead of writing to the socket,
// so the server can log it, or drop the connection after processing (a fault).
import type { IncomingHttpHeaders } from 'node:http';

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON; strings as they are. */
  body?: unknown;
}

export interface RequestContext {
  method: string;
  url: URL;
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  params: string[];
  /** The account the request acts for, once known (bearer token, code, refresh token, login_hint). */
  accountId: string | null;
}

export type Handler = (ctx: RequestContext) => Reply | Promise<Reply>;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

export class Router {
  private readonly routes: Route[] = [];

  on(method: string, pattern: RegExp, handler: Handler): this {
    this.routes.push({ method, pattern, handler });
    return this;
  }

  match(method: string, path: string): { handler: Handler; params: string[] } | null {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.pattern.exec(path);
      if (m) return { handler: route.handler, params: m.slice(1).map((p) => decodeURIComponent(p)) };
    }
    return null;
  }
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Reply => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body,
});

export function jsonBody<T = Record<string, unknown>>(ctx: RequestContext): T {
  if (ctx.rawBody.length === 0) return {} as T;
  return JSON.parse(ctx.rawBody.toString('utf8')) as T;
}

export const formBody = (ctx: RequestContext): URLSearchParams => new URLSearchParams(ctx.rawBody.toString('utf8'));

export function header(ctx: RequestContext, name: string): string | undefined {
  const value = ctx.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}

export const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
