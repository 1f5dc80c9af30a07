import type { IncomingMessage } from 'node:http';

// Handlers return a reply instead of writing to the response, so the server can
// still drop the connection after processing (the "answer lost" fault).
export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Reply => ({ status, body, headers });
export const empty = (status = 204): Reply => ({ status });
export const redirect = (location: string): Reply => ({ status: 302, headers: { location } });
export const html = (markup: string): Reply => ({ status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: markup });

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** JSON or form bodies, as the clients send them. */
export function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (!raw) return {};
  if (contentType?.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw));
  try {
    const parsed: unknown = JSON.parse(raw);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return Object.fromEntries(new URLSearchParams(raw));
  }
}

export function serialize(reply: Reply): { headers: Record<string, string>; payload: string | undefined } {
  const headers = { ...(reply.headers ?? {}) };
  if (reply.body === undefined) return { headers, payload: undefined };
  if (typeof reply.body === 'string') return { headers, payload: reply.body };
  headers['content-type'] ??= 'application/json; charset=UTF-8';
  return { headers, payload: JSON.stringify(reply.body) };
}
