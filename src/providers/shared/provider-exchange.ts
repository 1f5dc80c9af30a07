// A bare HTTP(S) exchange over a driver's agents; the client libraries' transports are built on it.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ProviderAgents } from './provider-agents';

export interface RawResponse {
  status: number;
  headers: [string, string][];
  body: Buffer;
}

/** A request that failed before an HTTP answer (connection refused/reset/dropped, timeout). */
export class TransportFailure extends Error {
  override readonly name = 'TransportFailure';
}

export interface ExchangeInit {
  method: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  agents: ProviderAgents;
  timeoutMs: number;
  /** Aborts the exchange (a caller's own deadline). */
  signal?: AbortSignal | null;
}

export function providerExchange(url: string, init: ExchangeInit): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const secure = url.startsWith('https:');
    const options = { method: init.method, headers: init.headers, timeout: init.timeoutMs, ...(init.signal ? { signal: init.signal } : {}) };
    const onResponse = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const headers: [string, string][] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) headers.push([res.rawHeaders[i].toLowerCase(), res.rawHeaders[i + 1]]);
        resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks) });
      });
      res.on('error', (err) => reject(new TransportFailure(err.message)));
    };
    const req = secure ? httpsRequest(url, { ...options, agent: init.agents.https }, onResponse) : httpRequest(url, { ...options, agent: init.agents.http }, onResponse);
    req.on('timeout', () => req.destroy(new Error(`no answer within ${init.timeoutMs} ms`)));
    req.on('error', (err) => reject(new TransportFailure(`${init.method} ${new URL(url).pathname}: ${err.message}`)));
    req.end(init.body);
  });
}
