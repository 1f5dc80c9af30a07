// A lean graphql-ws (graphql-transport-ws protocol) client for load benches: thousands of them in one process,
// each message timestamped when it arrives, before any parsing.
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes on one machine. */
export const nowMs = () => performance.timeOrigin + performance.now();

export interface Delivery {
  at: number;
  payload: { data?: Record<string, unknown> | null; errors?: unknown[] };
}

export class WsSubscriber {
  private readonly handlers = new Map<string, (d: Delivery) => void>();
  private nextId = 1;
  /** Set when the server closed the socket or answered a subscription with an error. */
  failure: string | null = null;

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (raw: WebSocket.RawData) => {
      const at = nowMs();
      const msg = JSON.parse(raw.toString()) as { id?: string; type: string; payload?: Delivery['payload'] };
      if (msg.type === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
      else if (msg.type === 'next' && msg.id) this.handlers.get(msg.id)?.({ at, payload: msg.payload ?? {} });
      else if (msg.type === 'error') this.failure = `subscription ${msg.id} refused: ${JSON.stringify(msg.payload)}`;
    });
    socket.on('close', (code, reason) => (this.failure ??= `closed ${code} ${reason.toString()}`));
  }

  /** Connects and completes connection_init with the token. */
  static open(url: string, token: string, timeoutMs = 20_000): Promise<WsSubscriber> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, 'graphql-transport-ws');
      const timer = setTimeout(() => fail(new Error('no connection_ack in time')), timeoutMs);
      const fail = (err: Error) => {
        clearTimeout(timer);
        socket.terminate();
        reject(err);
      };
      socket.once('error', fail);
      socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
      const onAck = (raw: WebSocket.RawData) => {
        const msg = JSON.parse(raw.toString()) as { type: string };
        if (msg.type !== 'connection_ack') return;
        clearTimeout(timer);
        socket.off('message', onAck);
        socket.off('error', fail);
        resolve(new WsSubscriber(socket));
      };
      socket.on('message', onAck);
      socket.once('close', (code, reason) => fail(new Error(`closed before ack: ${code} ${reason.toString()}`)));
    });
  }

  subscribe(query: string, variables: Record<string, unknown>, onNext: (d: Delivery) => void): void {
    const id = String(this.nextId++);
    this.handlers.set(id, onNext);
    this.socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
  }

  close(): void {
    this.socket.terminate();
  }
}

/** Opens `count` subscribers, `parallel` at a time (as clients arriving, without overrunning connection_init timeouts). */
export async function openSubscribers(url: string, tokens: (i: number) => string, count: number, parallel = 100): Promise<WsSubscriber[]> {
  const out: WsSubscriber[] = [];
  for (let i = 0; i < count; i += parallel) {
    const batch = await Promise.all(Array.from({ length: Math.min(parallel, count - i) }, (_, k) => WsSubscriber.open(url, tokens(i + k))));
    out.push(...batch);
  }
  return out;
}
