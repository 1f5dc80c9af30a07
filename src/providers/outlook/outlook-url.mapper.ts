// Plain-http Microsoft endpoints (a fake without TLS) behind an https face. msal refuses an http
// authority and the Graph client sends its bearer token only to https URLs, so both libraries are
// given the https form of each configured http origin (same host and port) and our transports send
// to the real one. Pure: every URL crossing between the libraries and the wire passes through here.

/** `@odata` links a Graph page may carry; the client follows them as given. */
const GRAPH_LINK_KEYS = ['@odata.nextLink', '@odata.deltaLink'] as const;
const ORIGIN_PREFIX = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i;

export class OutlookUrlMapper {
  /** https form → configured http origin, and back. */
  private readonly toWire = new Map<string, string>();
  private readonly toVisible = new Map<string, string>();

  /** `configured`: the Microsoft endpoint URLs as given (authority, Graph URL). https ones map to themselves. */
  constructor(configured: readonly string[]) {
    const secure = new Set<string>();
    for (const raw of configured) {
      const url = new URL(raw);
      if (url.protocol === 'https:') secure.add(url.origin);
      if (url.protocol !== 'http:') continue;
      const face = new URL(url.origin.replace(/^http:/, 'https:')).origin;
      this.toWire.set(face, url.origin);
      this.toVisible.set(url.origin, face);
    }
    for (const face of this.toWire.keys()) {
      if (secure.has(face)) throw new Error(`${face} is configured both as http and as https`);
    }
  }

  /** Whether any endpoint is plain http (otherwise every method returns its input). */
  get active(): boolean {
    return this.toWire.size > 0;
  }

  /** The URL the libraries see: a configured http origin becomes its https form. */
  visible(url: string): string {
    return this.swap(url, this.toVisible);
  }

  /** The URL to send to (and to hand a browser): an https form goes back to its configured http origin. */
  wire(url: string): string {
    return this.swap(url, this.toWire);
  }

  /** A Graph JSON body with its paging links in the visible form; null when nothing changes. */
  visibleLinks(body: string): string | null {
    if (!this.active || !GRAPH_LINK_KEYS.some((k) => body.includes(k))) return null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return null;
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
    const page = parsed as Record<string, unknown>;
    let changed = false;
    for (const key of GRAPH_LINK_KEYS) {
      const link = page[key];
      if (typeof link !== 'string') continue;
      const mapped = this.visible(link);
      if (mapped !== link) {
        page[key] = mapped;
        changed = true;
      }
    }
    return changed ? JSON.stringify(page) : null;
  }

  private swap(url: string, table: Map<string, string>): string {
    if (table.size === 0) return url;
    let origin: string;
    try {
      origin = new URL(url).origin;
    } catch {
      return url; // relative (a Graph path): the client resolves it against the visible base
    }
    const target = table.get(origin);
    // Only the origin changes; path and query stay byte for byte (they carry $skiptoken and the like)
    return target ? target + url.replace(ORIGIN_PREFIX, '') : url;
  }
}
