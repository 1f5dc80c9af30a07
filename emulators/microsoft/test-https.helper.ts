// Raw HTTPS calls to the emulator for its own tests (trusting the test CA, no redirects followed).
import { request } from 'node:https';

export interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: <T = Record<string, unknown>>() => T;
}

export function call(
  url: string,
  caPem: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | object; form?: Record<string, string> } = {},
): Promise<RawReply> {
  const body = init.form ? new URLSearchParams(init.form).toString() : typeof init.body === 'object' ? JSON.stringify(init.body) : init.body;
  const headers = {
    ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : body ? { 'content-type': 'application/json' } : {}),
    ...init.headers,
  };
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? (body ? 'POST' : 'GET'), headers, ca: caPem, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: <T>() => JSON.parse(text) as T }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
