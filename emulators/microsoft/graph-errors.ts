// Graph's error envelope, and an exception that carries a ready reply through the handlers.
import { randomUUID } from 'node:crypto';
import { json, type Reply } from './http-kit';

export function graphError(status: number, code: string, message: string, headers: Record<string, string> = {}): Reply {
  const requestId = randomUUID();
  return json(
    status,
    { error: { code, message, innerError: { date: new Date().toISOString().slice(0, 19), 'request-id': requestId, 'client-request-id': requestId } } },
    { 'request-id': requestId, ...headers },
  );
}

export class ReplyError extends Error {
  constructor(readonly reply: Reply) {
    super(`reply ${reply.status}`);
  }
}

export const fail = (status: number, code: string, message: string, headers?: Record<string, string>): never => {
  throw new ReplyError(graphError(status, code, message, headers));
};

export const mailboxNotEnabled = (): Reply =>
  graphError(404, 'MailboxNotEnabledForRESTAPI', 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.');
