/**
 * Cross-site request guard for the API's writes and its event WebSocket. Browsers attach `Origin`
 * to cross-site POST/PUT/PATCH/DELETE and to every WebSocket upgrade; a page on another site could
 * otherwise drive a node that has no token (the quickstart default) or read its event stream.
 * Allowed: no Origin at all (curl, the CLI, other Cupola nodes: not a browser), the API's own
 * origin (Origin's host:port equals the Host header: the dashboard it serves), and the origins
 * listed in `api.allowedOrigins`.
 */

/** `scheme://host[:port]` as the URL parser normalises it (lower case, default port dropped); null if not an http(s) origin. */
export function normaliseOrigin(origin: string): string | null {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  return url.origin;
}

export class OriginPolicy {
  readonly #allowed: ReadonlySet<string>;

  /** @param allowedOrigins origins besides the API's own, e.g. `https://ops.example.org`. */
  constructor(allowedOrigins: readonly string[] = []) {
    const set = new Set<string>();
    for (const o of allowedOrigins) {
      const n = normaliseOrigin(o);
      if (n === null) throw new Error(`api.allowedOrigins: "${o}" is not an http:// or https:// origin`);
      set.add(n);
    }
    this.#allowed = set;
  }

  /**
   * Whether a request carrying this `Origin` header (empty: none) to this `Host` may go on.
   * `Origin: null` (sandboxed frames, file://) is never allowed.
   */
  allows(origin: string, host: string): boolean {
    if (origin === '') return true;
    const o = normaliseOrigin(origin);
    if (o === null) return false;
    if (this.#allowed.has(o)) return true;
    if (host === '') return false;
    // Host carries no scheme: the origin's own is used (a TLS proxy in front serves https:// while
    // this server speaks http), so `https://cams.example.org` matches `Host: cams.example.org`.
    const scheme = o.slice(0, o.indexOf(':') + 1);
    return normaliseOrigin(`${scheme}//${host}`) === o;
  }
}

/** `application/json`, with or without parameters (`; charset=utf-8`). */
export function isJsonContentType(contentType: string): boolean {
  return /^\s*application\/json\s*(;.*)?$/i.test(contentType);
}
