// Graph change notifications: subscriptions with the validation handshake, change and
// lifecycle notifications POSTed to the subscriber (batched and re-sent: notification-delivery.ts),
// renewal and deletion.
import { randomUUID } from 'node:crypto';
import { fail } from './graph-errors';
import { NotificationDelivery, type Delivery, type DeliveryOptions } from './notification-delivery';
import type { Account, Subscription } from './microsoft-model';
import type { ChangeNotice, MicrosoftState } from './microsoft-state';

export type { Delivery } from './notification-delivery';

export type LifecycleEvent = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';

export interface SubscriptionOptions extends DeliveryOptions {
  maxMinutes: number;
  /** Real Graph rejects an expiration beyond the maximum; 'clamp' shortens it instead. */
  expiryPolicy: 'reject' | 'clamp';
  validationTimeoutMs: number;
}

export interface SubscriptionInput {
  changeType?: string;
  notificationUrl?: string;
  lifecycleNotificationUrl?: string;
  resource?: string;
  expirationDateTime?: string;
  clientState?: string;
}

export class SubscriptionService {
  private readonly delivery: NotificationDelivery;

  constructor(
    private readonly state: MicrosoftState,
    private readonly opts: SubscriptionOptions,
  ) {
    this.delivery = new NotificationDelivery(opts, (id) => state.subscriptions.has(id));
    state.changes.on('change', (notice: ChangeNotice) => this.notify(notice));
  }

  /** Every POST made so far (handshakes, notifications, re-sends), in order. */
  get deliveries(): Delivery[] {
    return this.delivery.deliveries;
  }

  async create(account: Account, clientId: string, input: SubscriptionInput, refuseValidation: boolean): Promise<Subscription> {
    const changeTypes = (input.changeType ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    if (!changeTypes.length || changeTypes.some((t) => !['created', 'updated', 'deleted'].includes(t))) fail(400, 'InvalidRequest', 'changeType is invalid.');
    if (!input.notificationUrl || !/^https?:\/\//.test(input.notificationUrl)) fail(400, 'InvalidRequest', 'notificationUrl is invalid.');
    if (input.clientState && input.clientState.length > 128) fail(400, 'InvalidRequest', 'clientState must not exceed 128 characters.');
    const calendarId = this.resourceCalendar(account, input.resource ?? '');
    const expiresAtMs = this.expiry(input.expirationDateTime);
    const subscription: Subscription = {
      id: randomUUID(),
      accountId: account.id,
      clientId,
      resource: input.resource!,
      calendarId,
      changeTypes,
      notificationUrl: input.notificationUrl!,
      lifecycleNotificationUrl: input.lifecycleNotificationUrl ?? null,
      clientState: input.clientState ?? null,
      expiresAtMs,
      tenantId: account.tid,
    };
    // The handshake comes before the answer: a receiver that does not echo the token fails the create
    for (const url of [subscription.notificationUrl, subscription.lifecycleNotificationUrl]) {
      if (url && (refuseValidation || !(await this.validate(url)))) {
        fail(400, 'InvalidRequest', 'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.');
      }
    }
    this.state.subscriptions.set(subscription.id, subscription);
    return subscription;
  }

  renew(account: Account, id: string, expirationDateTime: string | undefined): Subscription {
    const subscription = this.owned(account, id);
    subscription.expiresAtMs = this.expiry(expirationDateTime);
    return subscription;
  }

  remove(account: Account, id: string): void {
    this.owned(account, id);
    this.state.subscriptions.delete(id);
  }

  get(account: Account, id: string): Subscription {
    return this.owned(account, id);
  }

  list(account: Account): Subscription[] {
    return [...this.state.subscriptions.values()].filter((s) => s.accountId === account.id);
  }

  /** Sends a lifecycle notification (Graph decides these; tests trigger them); the first POST's outcome. */
  async lifecycle(id: string, lifecycleEvent: LifecycleEvent): Promise<Delivery> {
    const s = this.state.subscriptions.get(id);
    if (!s) throw new Error(`no subscription ${id}`);
    if (lifecycleEvent === 'subscriptionRemoved') this.state.subscriptions.delete(id);
    const notification = {
      subscriptionId: s.id,
      subscriptionExpirationDateTime: new Date(s.expiresAtMs).toISOString(),
      tenantId: s.tenantId,
      clientState: s.clientState,
      lifecycleEvent,
    };
    return this.delivery.send('lifecycle', s.lifecycleNotificationUrl ?? s.notificationUrl, [notification]);
  }

  /** Resolves with the first delivery (past or future) matching `predicate`. */
  waitForDelivery(predicate: (d: Delivery) => boolean, timeoutMs = 10_000): Promise<Delivery> {
    return this.delivery.waitForDelivery(predicate, timeoutMs);
  }

  /** Resolves once no notification is waiting for its batch, in flight, or due to be re-sent. */
  idle(): Promise<void> {
    return this.delivery.idle();
  }

  /** Stops batching and re-sending (the emulator is closing). */
  close(): void {
    this.delivery.close();
  }

  private owned(account: Account, id: string): Subscription {
    const s = this.state.subscriptions.get(id);
    // Graph deletes a subscription once it has expired: it can no longer be read or renewed.
    if (s && s.expiresAtMs <= Date.now()) this.state.subscriptions.delete(id);
    if (!s || s.accountId !== account.id || s.expiresAtMs <= Date.now()) return fail(404, 'ResourceNotFound', `The object was not found.`);
    return s;
  }

  private resourceCalendar(account: Account, resource: string): string | null {
    const path = resource.replace(/^\//, '');
    if (/^me\/events$/i.test(path)) return null;
    const m = /^me\/calendars\/([^/]+)\/events$/i.exec(path);
    if (!m) return fail(400, 'InvalidRequest', `Resource '${resource}' is not supported.`);
    const calendar = this.state.calendars.get(m[1]);
    if (!calendar || (calendar.ownerId !== account.id && !calendar.shares.has(account.id))) fail(404, 'ResourceNotFound', 'The calendar was not found.');
    return m[1];
  }

  private expiry(value: string | undefined): number {
    const at = Date.parse(value ?? '');
    if (Number.isNaN(at)) return fail(400, 'InvalidRequest', 'expirationDateTime is invalid.');
    if (at <= Date.now()) fail(400, 'InvalidRequest', 'Subscription expiration must be in the future.');
    const max = Date.now() + this.opts.maxMinutes * 60_000;
    if (at <= max) return at;
    if (this.opts.expiryPolicy === 'clamp') return max;
    return fail(400, 'InvalidRequest', `Subscription expiration can only be ${this.opts.maxMinutes} minutes in the future.`);
  }

  private async validate(url: string): Promise<boolean> {
    const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
    const target = new URL(url);
    target.searchParams.set('validationToken', token);
    const delivery = await this.delivery.post('validation', target.toString(), null, this.opts.validationTimeoutMs);
    return delivery.status === 200 && delivery.body === token;
  }

  private notify(notice: ChangeNotice): void {
    const calendar = this.state.calendars.get(notice.calendarId);
    if (!calendar) return;
    const now = Date.now();
    for (const s of this.state.subscriptions.values()) {
      if (s.expiresAtMs <= now || !s.changeTypes.includes(notice.changeType)) continue;
      const covers = s.calendarId ? s.calendarId === calendar.id : calendar.ownerId === s.accountId;
      if (!covers) continue;
      const resource = `Users/${s.accountId}/Events/${notice.eventId}`;
      this.delivery.enqueue(s.notificationUrl, {
        subscriptionId: s.id,
        subscriptionExpirationDateTime: new Date(s.expiresAtMs).toISOString(),
        changeType: notice.changeType,
        resource,
        clientState: s.clientState,
        tenantId: s.tenantId,
        resourceData: { '@odata.type': '#Microsoft.Graph.Event', '@odata.id': resource, '@odata.etag': 'W/"0"', id: notice.eventId },
      });
    }
  }
}
