/**
 * Connection admission of one listener (RTMP or RTSP): a cap on connections per remote address,
 * a total cap, and a pool for connections that are not yet authorised (RTMP before an accepted
 * publish/play, RTSP before a session exists). The pool holds at most `maxUnauthorised`; when it
 * (or the total) is full, a new connection takes the slot of the OLDEST unauthorised one, which is
 * closed. So idle or dripping sockets can delay nobody for long: authorised connections keep
 * their slots, and a new client always gets in unless every slot is held by authorised ones.
 *
 * The per-address map only has entries for addresses with open connections, so it is bounded by
 * the total cap. IPv6 addresses count per /64 (one host usually owns a whole /64).
 */

/** Listener options shared by RTMP and RTSP (the `limits` settings). */
export interface AdmissionOptions {
  /** Simultaneous connections. Defaults to 4096. */
  readonly maxConnections?: number;
  /** Connections from one IPv4 address or IPv6 /64. Defaults to 256. */
  readonly maxConnectionsPerIp?: number;
  /** Connections not yet authorised at most. Defaults to half of maxConnections. */
  readonly maxUnauthorisedConnections?: number;
  /** Time to the first complete request (RTSP) or the `connect` command (RTMP). Defaults to 5000 ms. */
  readonly firstRequestTimeoutMs?: number;
  /** Time to an accepted publish/play (RTMP) or a session (RTSP). Defaults to 10 000 ms. */
  readonly authoriseTimeoutMs?: number;
}

export const DEFAULT_MAX_CONNECTIONS = 4096;
export const DEFAULT_MAX_CONNECTIONS_PER_IP = 256;
export const DEFAULT_FIRST_REQUEST_TIMEOUT_MS = 5000;
export const DEFAULT_AUTHORISE_TIMEOUT_MS = 10_000;

/** The options with defaults filled. */
export function admissionOptions(o: AdmissionOptions): AdmissionLimits & { readonly firstRequestTimeoutMs: number; readonly authoriseTimeoutMs: number } {
  const maxConnections = o.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  return {
    maxConnections,
    maxConnectionsPerIp: o.maxConnectionsPerIp ?? DEFAULT_MAX_CONNECTIONS_PER_IP,
    maxUnauthorised: Math.max(1, Math.min(maxConnections, o.maxUnauthorisedConnections ?? Math.ceil(maxConnections / 2))),
    firstRequestTimeoutMs: o.firstRequestTimeoutMs ?? DEFAULT_FIRST_REQUEST_TIMEOUT_MS,
    authoriseTimeoutMs: o.authoriseTimeoutMs ?? DEFAULT_AUTHORISE_TIMEOUT_MS,
  };
}

export interface AdmissionLimits {
  /** Connections at most (authorised or not). */
  readonly maxConnections: number;
  /** Connections from one address (IPv4) or one /64 (IPv6) at most. */
  readonly maxConnectionsPerIp: number;
  /** Not-yet-authorised connections at most; a new one past it replaces the oldest. */
  readonly maxUnauthorised: number;
}

export type AdmissionRefusal = 'per-ip-cap' | 'connection-cap';

export interface AdmissionTicket {
  /** The address key counted (IPv4 address, or IPv6 /64 prefix). */
  readonly ipKey: string;
  readonly authorised: boolean;
  /** Moves the connection out of the unauthorised pool (idempotent). */
  authorise(): void;
  /** Frees the slot (idempotent); call when the connection closes. */
  release(): void;
}

/**
 * One admitted connection's slot: the ticket the listener holds and the admission's own entry (a
 * class, so a connection costs a few fields on a shared prototype, not an object of closures).
 */
class Entry implements AdmissionTicket {
  readonly ipKey: string;
  #authorised = false;
  released = false;
  readonly evict: () => void;
  readonly #unauthorised: Set<Entry>;
  readonly #release: (entry: Entry) => void;

  constructor(ipKey: string, evict: () => void, unauthorised: Set<Entry>, release: (entry: Entry) => void) {
    this.ipKey = ipKey;
    this.evict = evict;
    this.#unauthorised = unauthorised;
    this.#release = release;
  }

  get authorised(): boolean {
    return this.#authorised;
  }

  authorise(): void {
    if (this.released || this.#authorised) return;
    this.#authorised = true;
    this.#unauthorised.delete(this);
  }

  release(): void {
    this.#release(this);
  }
}

export class ConnectionAdmission {
  readonly #limits: AdmissionLimits;
  readonly #perIp = new Map<string, number>();
  /** Unauthorised connections, oldest first (a Set keeps insertion order). */
  readonly #unauthorised = new Set<Entry>();
  #total = 0;
  /** Connections closed to make room for newer ones. */
  evicted = 0;

  constructor(limits: AdmissionLimits) {
    this.#limits = limits;
  }

  get total(): number {
    return this.#total;
  }

  get unauthorised(): number {
    return this.#unauthorised.size;
  }

  /** Connections counted for one remote address. */
  countFor(address: string): number {
    return this.#perIp.get(ipKey(address)) ?? 0;
  }

  /**
   * Admits a connection from `address`, or says why not. `evict` closes it later if its slot is
   * needed for a newer connection while it is still unauthorised.
   */
  admit(address: string, evict: () => void): AdmissionTicket | AdmissionRefusal {
    const key = ipKey(address);
    const perIp = this.#perIp.get(key) ?? 0;
    if (perIp >= this.#limits.maxConnectionsPerIp) return 'per-ip-cap';
    const poolFull = this.#unauthorised.size >= this.#limits.maxUnauthorised;
    if (poolFull || this.#total >= this.#limits.maxConnections) {
      const oldest = this.#unauthorised.values().next();
      if (oldest.done === true) return 'connection-cap';
      this.evicted++;
      this.#release(oldest.value);
      oldest.value.evict();
    }
    const entry = new Entry(key, evict, this.#unauthorised, this.#releaseEntry);
    this.#perIp.set(key, (this.#perIp.get(key) ?? 0) + 1);
    this.#unauthorised.add(entry);
    this.#total++;
    return entry;
  }

  readonly #releaseEntry = (entry: Entry): void => this.#release(entry);

  #release(entry: Entry): void {
    if (entry.released) return;
    entry.released = true;
    this.#unauthorised.delete(entry);
    this.#total--;
    const n = (this.#perIp.get(entry.ipKey) ?? 1) - 1;
    if (n <= 0) this.#perIp.delete(entry.ipKey);
    else this.#perIp.set(entry.ipKey, n);
  }
}

/** `::ffff:1.2.3.4` -> `1.2.3.4`; IPv6 -> its /64 prefix (`2001:db8:1:2::/64`). */
export function ipKey(address: string): string {
  const a = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
  if (!a.includes(':')) return a;
  return `${expandIpv6(a).slice(0, 4).join(':')}::/64`;
}

function expandIpv6(a: string): string[] {
  const zone = a.indexOf('%');
  const addr = zone >= 0 ? a.slice(0, zone) : a;
  const [head = '', tail] = addr.split('::') as [string, string | undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? [] : Array.from({ length: Math.max(0, 8 - h.length - t.length) }, () => '0');
  return [...h, ...fill, ...t].map((g) => g.replace(/^0+(?=.)/, '').toLowerCase());
}
