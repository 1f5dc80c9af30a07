// calendarView/delta: a full or incremental change list, computed once per round and served
// in pages of `maxpagesize`; the last page carries a deltaLink whose token remembers the
// window, the change sequence it covers and the calendar's token generation (expiry).
import { randomBytes } from 'node:crypto';
import type { MicrosoftState } from './microsoft-state';
import type { ViewItem } from './microsoft-model';

interface DeltaCursor {
  c: string;
  f: number;
  t: number;
  s: number;
  g: number;
}

export type DeltaEntry = ViewItem | { removed: string };

interface Session {
  entries: DeltaEntry[];
  cursor: DeltaCursor;
  expiresAtMs: number;
}

export type DeltaOutcome =
  | { ok: true; entries: DeltaEntry[]; skiptoken: string | null; deltatoken: string | null }
  | { ok: false; reason: 'expired' | 'invalid'; message: string };

const SESSION_TTL_MS = 10 * 60_000;

const encode = (cursor: DeltaCursor): string => Buffer.from(JSON.stringify(cursor)).toString('base64url');

function decode(token: string): DeltaCursor | null {
  try {
    const c = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as DeltaCursor;
    return typeof c.c === 'string' && typeof c.s === 'number' ? c : null;
  } catch {
    return null;
  }
}

export class DeltaEngine {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly state: MicrosoftState) {}

  /** One page; `query` is the request's startDateTime/endDateTime or $skiptoken or $deltatoken. */
  page(calendarId: string, query: URLSearchParams, pageSize: number): DeltaOutcome {
    const skip = query.get('$skiptoken');
    if (skip) {
      const [sessionId, offsetText] = skip.split('~');
      const session = this.sessions.get(sessionId);
      if (!session || session.cursor.c !== calendarId || session.expiresAtMs < Date.now()) {
        return { ok: false, reason: 'expired', message: 'The paging state has expired.' };
      }
      return this.slice(sessionId, session, Number(offsetText), pageSize);
    }
    const deltaToken = query.get('$deltatoken');
    let cursor: DeltaCursor;
    let entries: DeltaEntry[];
    if (deltaToken) {
      const prev = decode(deltaToken);
      if (!prev || prev.c !== calendarId) return { ok: false, reason: 'invalid', message: 'The delta token is invalid.' };
      if (prev.g !== this.state.deltaGenerationOf(calendarId)) return { ok: false, reason: 'expired', message: 'The sync state has expired.' };
      cursor = { ...prev, s: this.state.seq };
      const changed = this.state.view(calendarId, prev.f, prev.t, prev.s);
      const removed = new Set([...this.state.tombstonesSince(calendarId, prev.s).map((t) => t.id), ...this.state.leftWindowSince(calendarId, prev.f, prev.t, prev.s)]);
      // An id removed and back since (a cancelled occurrence a changed pattern restores) is there now
      for (const item of changed) removed.delete(item.id);
      entries = [...changed, ...[...removed].map((id) => ({ removed: id }))];
    } else {
      const from = Date.parse(query.get('startDateTime') ?? '');
      const to = Date.parse(query.get('endDateTime') ?? '');
      if (Number.isNaN(from) || Number.isNaN(to) || to <= from) {
        return { ok: false, reason: 'invalid', message: "This request requires a time window specified by the query string parameters 'startDateTime' and 'endDateTime'." };
      }
      cursor = { c: calendarId, f: from, t: to, s: this.state.seq, g: this.state.deltaGenerationOf(calendarId) };
      entries = this.state.view(calendarId, from, to);
    }
    if (entries.length <= pageSize) return { ok: true, entries, skiptoken: null, deltatoken: encode(cursor) };
    const sessionId = randomBytes(12).toString('base64url').replace(/[-_]/g, 'x');
    const session = { entries, cursor, expiresAtMs: Date.now() + SESSION_TTL_MS };
    this.sweep();
    this.sessions.set(sessionId, session);
    return this.slice(sessionId, session, 0, pageSize);
  }

  private slice(sessionId: string, session: Session, offset: number, pageSize: number): DeltaOutcome {
    const end = offset + pageSize;
    const entries = session.entries.slice(offset, end);
    if (end < session.entries.length) return { ok: true, entries, skiptoken: `${sessionId}~${end}`, deltatoken: null };
    // The session stays until it expires: a client may legally replay the last page
    return { ok: true, entries, skiptoken: null, deltatoken: encode(session.cursor) };
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, s] of this.sessions) if (s.expiresAtMs < now) this.sessions.delete(id);
  }
}
