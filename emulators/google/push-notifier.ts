import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { EmulatorError } from './emulator.error';
import type { GoogleEmulatorState } from './emulator-state';

// Watch channels: an empty POST per change to each live channel on the calendar, 'sync'
// first, messages numbered and delivered in order per channel, as Google does.

export interface WatchChannel {
  id: string;
  token: string | null;
  address: string;
  resourceId: string;
  resourceUri: string;
  calendarId: string;
  sub: string;
  expiration: number;
  messageNumber: number;
  stopped: boolean;
}

export interface DeliveryRecord {
  channelId: string;
  state: 'sync' | 'exists' | 'not_exists';
  messageNumber: number;
  /** HTTP status of the receiver's answer; null when it could not be reached. */
  status: number | null;
  error: string | null;
  time: number;
}

const DEFAULT_TTL_MS = 7 * 86_400_000;

export class PushNotifier extends EventEmitter<{ delivered: [DeliveryRecord] }> {
  readonly channels = new Map<string, WatchChannel>();
  readonly deliveries: DeliveryRecord[] = [];
  private readonly queues = new Map<string, Promise<void>>();
  private closed = false;

  constructor(
    state: GoogleEmulatorState,
    private readonly apiUrl: () => string,
    private readonly maxTtlMs = DEFAULT_TTL_MS,
  ) {
    super();
    state.on('change', ({ calendarId }) => this.changed(calendarId));
  }

  open(p: { id: string; token: string | null; address: string; calendarId: string; sub: string; expiration: number | null }): WatchChannel {
    if (this.channels.has(p.id)) throw new EmulatorError(400, 'channelIdNotUnique', `Channel id ${p.id} not unique`, 'push');
    const now = Date.now();
    const channel: WatchChannel = {
      ...p,
      resourceId: createHash('sha1').update(`${p.sub}/${p.calendarId}`).digest('base64url').slice(0, 27),
      resourceUri: `${this.apiUrl()}calendar/v3/calendars/${encodeURIComponent(p.calendarId)}/events?alt=json`,
      expiration: Math.min(p.expiration && p.expiration > now ? p.expiration : now + this.maxTtlMs, now + this.maxTtlMs),
      messageNumber: 0,
      stopped: false,
    };
    this.channels.set(channel.id, channel);
    this.enqueue(channel, 'sync');
    return channel;
  }

  stop(id: string, resourceId: string | undefined, sub: string): void {
    const ch = this.channels.get(id);
    if (!ch || ch.stopped || ch.sub !== sub || (resourceId && resourceId !== ch.resourceId)) {
      throw new EmulatorError(404, 'notFound', `Channel '${id}' not found for project '000000000000'`);
    }
    ch.stopped = true;
  }

  close(): void {
    this.closed = true;
  }

  /** Channels from a state file: they keep notifying their receivers after a restart. */
  restore(channels: Map<string, WatchChannel>): void {
    this.channels.clear();
    for (const [id, ch] of channels) this.channels.set(id, ch);
  }

  /** Resolves once every notification queued so far was delivered (or failed). */
  async idle(): Promise<void> {
    await Promise.all(this.queues.values());
  }

  private changed(calendarId: string): void {
    const now = Date.now();
    for (const ch of this.channels.values()) {
      if (ch.calendarId === calendarId && !ch.stopped && ch.expiration > now) this.enqueue(ch, 'exists');
    }
  }

  private enqueue(ch: WatchChannel, state: DeliveryRecord['state']): void {
    const messageNumber = ++ch.messageNumber;
    const prev = this.queues.get(ch.id) ?? Promise.resolve();
    const next = prev.then(() => (this.closed || ch.stopped ? undefined : this.deliver(ch, state, messageNumber)));
    this.queues.set(ch.id, next);
  }

  private async deliver(ch: WatchChannel, state: DeliveryRecord['state'], messageNumber: number): Promise<void> {
    const headers: Record<string, string> = {
      'X-Goog-Channel-ID': ch.id,
      'X-Goog-Channel-Expiration': new Date(ch.expiration).toUTCString(),
      'X-Goog-Resource-ID': ch.resourceId,
      'X-Goog-Resource-URI': ch.resourceUri,
      'X-Goog-Resource-State': state,
      'X-Goog-Message-Number': String(messageNumber),
      'Content-Length': '0',
    };
    if (ch.token !== null) headers['X-Goog-Channel-Token'] = ch.token;
    const time = Date.now();
    const outcome = await post(ch.address, headers);
    const record: DeliveryRecord = { channelId: ch.id, state, messageNumber, time, ...outcome };
    this.deliveries.push(record);
    this.emit('delivered', record);
  }
}

function post(address: string, headers: Record<string, string>): Promise<{ status: number | null; error: string | null }> {
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL(address);
    } catch {
      resolve({ status: null, error: 'invalid address' });
      return;
    }
    const send = url.protocol === 'https:' ? httpsRequest : request;
    // no keep-alive: receivers in tests close their servers right after
    const req = send(url, { method: 'POST', headers, agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? null, error: null }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => resolve({ status: null, error: err.message }));
    req.end();
  });
}
