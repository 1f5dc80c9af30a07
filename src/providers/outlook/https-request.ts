// A bare HTTPS exchange over our agent; both client libraries' transports are built on it.
import { request, type Agent } from 'node:https';

export interface RawResponse {
  status: number;
  headers: [string, string][];
  body: Buffer;
}

/** A request that failed before an HTTP answer (connection refused/reset/dropped, timeout). */
export class TransportFailure extends Error {
  override readonly name = 'TransportFailure';
}

export function httpsExchange(
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string | Buffer; agent: Agent; timeoutMs: number },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method, headers: init.headers, agent: init.agent, timeout: init.timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const headers: [string, string][] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) headers.push([res.rawHeaders[i].toLowerCase(), res.rawHeaders[i + 1]]);
        resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks) });
      });
      res.on('error', (err) => reject(new TransportFailure(err.message)));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${init.timeoutMs} ms`)));
    req.on('error', (err) => reject(new TransportFailure(`${init.method} ${new URL(url).pathname}: ${err.message}`)));
    req.end(init.body);
  });
}
