import { DataSource } from 'typeorm';
import type { WebSocket } from 'ws';
import { extractBearer, verifyToken } from '../app/auth/jwt';
import { logger } from '../app/logging/logger';
import { isUuid } from '../app/validation/ids';
import { PubSub } from './pubsub';

/** Close codes a client can act on: sign in again (4401) or give up (4403). */
export const CLOSE_TOKEN_EXPIRED = 4401;
export const CLOSE_USER_REVOKED = 4403;

// setTimeout fires at once beyond ~24.8 days; longer tokens (30 d by default) re-arm in steps.
const MAX_TIMER_MS = 2 ** 31 - 1;

interface GuardedSocket {
  /** null: the service token, which cannot be deactivated. */
  userId: string | null;
  expiry?: NodeJS.Timeout;
}

export interface SocketGuardOptions {
  ds: DataSource;
  pubsub: PubSub;
  jwtSecret: string;
  /** How often the users of open sockets are re-read (safety net behind the userRevoked event). */
  recheckMs: number;
  now?: () => number;
}

/**
 * Keeps open graphql-ws sockets authorized for their whole life: a socket is closed with 4401 when its
 * token expires, and every socket of a deactivated user with 4403 as soon as the `userRevoked` event
 * arrives (from any instance), or at the latest at the next periodic re-check.
 */
export class SocketGuard {
  private readonly sockets = new Map<WebSocket, GuardedSocket>();
  private recheckTimer?: NodeJS.Timeout;
  private stopListening?: () => void;
  private checking = false;
  private readonly now: () => number;

  constructor(private readonly opts: SocketGuardOptions) {
    this.now = opts.now ?? Date.now;
  }

  /**
   * graphql-ws onConnect. Never refuses the socket: without a valid token every operation on it is
   * answered UNAUTHENTICATED, as before; with one, the socket is watched.
   */
  opened(socket: WebSocket, authorization: unknown): void {
    const token = extractBearer(authorization);
    const claims = token ? verifyToken(this.opts.jwtSecret, token) : null;
    if (!claims || socket.readyState !== socket.OPEN) return;
    const guarded: GuardedSocket = { userId: isUuid(claims.sub) ? claims.sub : null };
    this.sockets.set(socket, guarded);
    socket.once('close', () => this.forget(socket));
    if (claims.exp !== undefined) this.armExpiry(socket, guarded, claims.exp * 1000);
    this.start();
  }

  /** Closes every socket of the user on this instance. */
  revoke(userId: string): void {
    for (const [socket, guarded] of this.sockets) {
      if (guarded.userId !== userId) continue;
      logger.info({ userId }, 'closing the sockets of a deactivated user');
      this.close(socket, CLOSE_USER_REVOKED, 'Forbidden: the user was deactivated');
    }
  }

  /** Re-reads the users of all open sockets in one query; closes those of inactive or deleted users. */
  async recheck(): Promise<void> {
    if (this.checking) return;
    const userIds = [...new Set([...this.sockets.values()].map((s) => s.userId).filter((id): id is string => id !== null))];
    if (!userIds.length) return;
    this.checking = true;
    try {
      const rows: Array<{ id: string }> = await this.opts.ds.query(`SELECT id FROM users WHERE id = ANY($1) AND active`, [userIds]);
      const active = new Set(rows.map((r) => r.id));
      for (const id of userIds) if (!active.has(id)) this.revoke(id);
    } catch (err) {
      logger.warn({ err }, 'socket re-check failed; will retry');
    } finally {
      this.checking = false;
    }
  }

  /** Stops timers and the event listener (server shutdown); the sockets themselves are closed by the server. */
  dispose(): void {
    for (const guarded of this.sockets.values()) clearTimeout(guarded.expiry);
    this.sockets.clear();
    clearInterval(this.recheckTimer);
    this.recheckTimer = undefined;
    this.stopListening?.();
    this.stopListening = undefined;
  }

  get openSockets(): number {
    return this.sockets.size;
  }

  private start(): void {
    if (!this.stopListening) this.listen();
    this.recheckTimer ??= setInterval(() => void this.recheck(), this.opts.recheckMs).unref();
  }

  // The event bus carries deactivations from every instance (Redis when REDIS_URL is set).
  private listen(): void {
    const events = this.opts.pubsub.subscribe('userRevoked')[Symbol.asyncIterator]();
    this.stopListening = () => void events.return?.();
    void (async () => {
      for (let e = await events.next(); !e.done; e = await events.next()) this.revoke(e.value.userId);
    })().catch((err) => logger.error({ err }, 'userRevoked listener stopped'));
  }

  private armExpiry(socket: WebSocket, guarded: GuardedSocket, expiresAt: number): void {
    const left = expiresAt - this.now();
    if (left <= 0) {
      this.close(socket, CLOSE_TOKEN_EXPIRED, 'Unauthorized: the token expired');
      return;
    }
    guarded.expiry = setTimeout(() => this.armExpiry(socket, guarded, expiresAt), Math.min(left, MAX_TIMER_MS)).unref();
  }

  private close(socket: WebSocket, code: number, reason: string): void {
    this.forget(socket);
    socket.close(code, reason);
  }

  private forget(socket: WebSocket): void {
    const guarded = this.sockets.get(socket);
    if (!guarded) return;
    clearTimeout(guarded.expiry);
    this.sockets.delete(socket);
    if (this.sockets.size === 0) {
      clearInterval(this.recheckTimer);
      this.recheckTimer = undefined;
    }
  }
}
