// Faults on demand, per account and/or route, for a number of requests (default: until removed).
export type FaultSpec =
  | { kind: 'throttle'; retryAfterSeconds?: number }
  | { kind: 'unavailable'; status?: 500 | 502 | 503 | 504; retryAfterSeconds?: number }
  | { kind: 'tokenExpired' }
  | { kind: 'invalidGrant'; errorCode?: number }
  | { kind: 'cursorExpired'; variant?: CursorExpiredVariant }
  | { kind: 'mailboxNotEnabled' }
  | { kind: 'delay'; ms: number }
  /** Close the connection without processing the request. */
  | { kind: 'drop' }
  /** Process the request, then close the connection before answering (tests idempotent retries). */
  | { kind: 'dropAfterProcessing' }
  /** Subscription creation fails its validation handshake whatever the receiver answers. */
  | { kind: 'refuseValidation' };

export type CursorExpiredVariant = 'gone' | 'syncStateNotFound' | 'resyncRequired';
export type FaultKind = FaultSpec['kind'];

export type FaultInput = FaultSpec & {
  /** Account (sign-in name, mail or id); omitted = every account. */
  account?: string;
  /**
   * Route: "METHOD /path" or "/path" glob ("*" = one path segment, "**" = anything), or a RegExp
   * tested against "METHOD /path". Omitted = every route.
   */
  route?: string | RegExp;
  /** How many matching requests it hits; default unlimited. */
  times?: number;
};

export interface Fault {
  id: number;
  spec: FaultInput;
  remaining: number;
  hits: number;
}

export interface FaultProbe {
  method: string;
  path: string;
  accountId: string | null;
}

function routeMatcher(route: string | RegExp | undefined): (method: string, path: string) => boolean {
  if (route === undefined) return () => true;
  if (route instanceof RegExp) return (method, path) => route.test(`${method} ${path}`);
  const [method, glob] = route.includes(' ') ? route.split(/\s+/, 2) : [null, route];
  const escape = (s: string) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`^${glob.split('**').map((part) => part.split('*').map(escape).join('[^/]*')).join('.*')}$`);
  return (m, path) => (!method || method.toUpperCase() === m) && re.test(path);
}

export class FaultRegistry {
  private readonly faults: (Fault & { matches: (m: string, p: string) => boolean })[] = [];
  private nextId = 1;

  /** `resolveAccount` turns the spec's account reference into an account id. */
  constructor(private readonly resolveAccount: (ref: string) => string | undefined) {}

  add(spec: FaultInput): Fault {
    const fault = { id: this.nextId++, spec, remaining: spec.times ?? Infinity, hits: 0, matches: routeMatcher(spec.route) };
    this.faults.push(fault);
    return fault;
  }

  remove(id: number): void {
    const i = this.faults.findIndex((f) => f.id === id);
    if (i >= 0) this.faults.splice(i, 1);
  }

  clear(): void {
    this.faults.length = 0;
  }

  list(): Fault[] {
    return this.faults.map(({ id, spec, remaining, hits }) => ({ id, spec, remaining, hits }));
  }

  /** The first matching fault of the given kinds, consumed once. */
  take(probe: FaultProbe, kinds: readonly FaultKind[]): FaultInput | null {
    for (const fault of this.faults) {
      if (fault.remaining <= 0 || !kinds.includes(fault.spec.kind)) continue;
      if (fault.spec.account !== undefined && this.resolveAccount(fault.spec.account) !== probe.accountId) continue;
      if (!fault.matches(probe.method, probe.path)) continue;
      fault.remaining--;
      fault.hits++;
      return fault.spec;
    }
    return null;
  }
}
