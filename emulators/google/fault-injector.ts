// Failures on demand, per account and/or route, for a number of requests.

export type Fault =
  /** 429 (default) or 403 usageLimits rateLimitExceeded/userRateLimitExceeded, with Retry-After. */
  | { type: 'rateLimit'; status?: 429 | 403; retryAfterSec?: number; reason?: 'rateLimitExceeded' | 'userRateLimitExceeded' }
  | { type: 'unavailable'; retryAfterSec?: number }
  /** 401: the access token is treated as expired. */
  | { type: 'unauthorized' }
  /** 400 invalid_grant from the token endpoint. */
  | { type: 'invalidGrant' }
  /** 400 on events.watch, as real Google refuses a notification address that is not HTTPS. */
  | { type: 'refusePush' }
  /** 410 fullSyncRequired on events.list. */
  | { type: 'syncTokenExpired' }
  /** Answer late (the request is then handled normally). */
  | { type: 'delay'; ms: number }
  /** Close the connection without processing the request. */
  | { type: 'drop' }
  /** Process the request, then close the connection before answering. */
  | { type: 'dropAfterProcessing' };

export interface FaultRule {
  fault: Fault;
  /** Matches when the request path contains this text, or matches this pattern. */
  route?: string | RegExp;
  method?: string;
  /** Account email (or sub) the request acts for. */
  account?: string;
  /** How many matching requests fail; default 1. Use Infinity for "until cleared". */
  times?: number;
}

interface ActiveRule extends FaultRule {
  id: number;
  remaining: number;
}

export class FaultInjector {
  private rules: ActiveRule[] = [];
  private nextId = 1;

  add(rule: FaultRule): { id: number; remove: () => void } {
    const id = this.nextId++;
    this.rules.push({ ...rule, id, remaining: rule.times ?? 1 });
    return { id, remove: () => this.remove(id) };
  }

  remove(id: number): void {
    this.rules = this.rules.filter((r) => r.id !== id);
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map(({ id: _id, remaining, ...r }) => ({ ...r, times: remaining }));
  }

  /** The first fault for this request, consumed; null when none applies. */
  take(method: string, path: string, account: { email: string; sub: string } | null): Fault | null {
    const rule = this.rules.find((r) => r.remaining > 0 && matches(r, method, path, account));
    if (!rule) return null;
    rule.remaining--;
    if (rule.remaining <= 0) this.remove(rule.id);
    return rule.fault;
  }
}

function matches(r: FaultRule, method: string, path: string, account: { email: string; sub: string } | null): boolean {
  if (r.method && r.method.toUpperCase() !== method) return false;
  if (r.route !== undefined && !(typeof r.route === 'string' ? path.includes(r.route) : r.route.test(path))) return false;
  if (r.account !== undefined) {
    const want = r.account.toLowerCase();
    if (!account || (account.email !== want && account.sub !== r.account)) return false;
  }
  return true;
}
